using DragVideo;
using DragVideo.Editing;
using DragVideo.Editing.Drag;
using DragVideo.Editing.Fast;
using DragVideo.Tracking;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers DragVideo in a service collection.</summary>
public static class DragVideoServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DragVideoOptions"/> (validated at start), <see cref="IInstructionPropagator"/> (default:
    /// the weight-free <see cref="DragInstructionPropagator"/>), <see cref="IDragObjective"/> (default:
    /// <see cref="MotionSupervisionLoss"/> from the options) and <see cref="IVideoDragEditor"/>, built by
    /// <see cref="DragVideoBuilder.BuildEditor"/>: the diffusion <see cref="VideoDragEditor"/> when a model is given
    /// (<see cref="DragVideoServicesBuilder.UseModel"/>) or <see cref="DragVideoOptions.ModelPath"/> is set, otherwise the
    /// fast weight-free <see cref="FastWarpDragEditor"/>. Registrations already present are kept (TryAdd), so register
    /// your own propagator or objective before or after this call.
    /// <para>Model loading is explicit: load with <c>StableDiffusionLoader.Load</c> and pass the model to
    /// <see cref="DragVideoServicesBuilder.UseModel"/>. With only <see cref="DragVideoOptions.ModelPath"/>, the weights
    /// (gigabytes, minutes) are loaded when <see cref="IVideoDragEditor"/> is first resolved, and that is logged; resolve
    /// it at start-up to warm up.</para>
    /// </summary>
    /// <param name="services">the collection.</param>
    /// <param name="configure">adjusts the options (paper defaults otherwise).</param>
    /// <returns>a builder for further editor settings; its <see cref="DragVideoServicesBuilder.Services"/> is <paramref name="services"/>.</returns>
    public static DragVideoServicesBuilder AddDragVideo(this IServiceCollection services, Action<DragVideoOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var dragVideo = new DragVideoServicesBuilder(services);
        var builder = services.AddOptions<DragVideoOptions>();
        if (configure is not null) builder.Configure(configure);
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DragVideoOptions>, DragVideoOptionsValidator>());
        services.TryAddSingleton<IInstructionPropagator>(sp =>
            new DragInstructionPropagator(sp.GetRequiredService<IOptions<DragVideoOptions>>().Value.Propagation));
        services.TryAddSingleton<IDragObjective>(sp =>
            MotionSupervisionLoss.FromOptions(sp.GetRequiredService<IOptions<DragVideoOptions>>().Value.Drag));
        services.TryAddSingleton<IVideoDragEditor>(sp =>
        {
            var editor = new DragVideoBuilder()
                .UseOptions(sp.GetRequiredService<IOptions<DragVideoOptions>>().Value)
                .UseInstructionPropagator(sp.GetRequiredService<IInstructionPropagator>())
                .UseObjective(sp.GetRequiredService<IDragObjective>())
                .UseLogger(sp.GetService<ILoggerFactory>());
            foreach (var c in dragVideo.Configurations) c(sp, editor);
            return editor.BuildEditor();
        });
        return dragVideo;
    }
}
