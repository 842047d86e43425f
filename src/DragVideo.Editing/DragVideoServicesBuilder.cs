using DragVideo.Diffusion.Loading;
using Microsoft.Extensions.DependencyInjection;

namespace DragVideo.Editing;

/// <summary>
/// What <c>services.AddDragVideo(…)</c> returns (Microsoft.Extensions.AI style): chain further settings of the editor the
/// container builds. The container's editor is built by <see cref="DragVideoBuilder.BuildEditor"/>, the same composition
/// root the CLI and the Studio use.
/// </summary>
public sealed class DragVideoServicesBuilder
{
    internal DragVideoServicesBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection, for further registrations or <c>BuildServiceProvider()</c>.</summary>
    public IServiceCollection Services { get; }

    internal List<Action<IServiceProvider, DragVideoBuilder>> Configurations { get; } = new();

    /// <summary>
    /// Uses a model the host loaded explicitly (<see cref="StableDiffusionLoader.Load"/>, minutes and gigabytes) instead of
    /// <see cref="DragVideoOptions.ModelPath"/>: the editor then uses the diffusion backend, and resolving it loads nothing.
    /// The host keeps ownership of the model.
    /// </summary>
    public DragVideoServicesBuilder UseModel(StableDiffusionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Configurations.Add((_, b) => b.UseModel(model));
        return this;
    }

    /// <summary>Adjusts the editor's <see cref="DragVideoBuilder"/> (cache, backbone, propagators, …) when the editor is built.</summary>
    public DragVideoServicesBuilder Configure(Action<IServiceProvider, DragVideoBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Configurations.Add(configure);
        return this;
    }
}
