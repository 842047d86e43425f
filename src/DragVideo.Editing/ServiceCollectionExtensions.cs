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
    /// <see cref="MotionSupervisionLoss"/> from the options) and <see cref="IVideoDragEditor"/>: the diffusion
    /// <see cref="VideoDragEditor"/> when <see cref="DragVideoOptions.ModelPath"/> is set, otherwise the fast weight-free
    /// <see cref="FastWarpDragEditor"/>. Registrations already present are kept (TryAdd), so register your own
    /// propagator or objective before or after this call.
    /// </summary>
    /// <param name="services">the collection.</param>
    /// <param name="configure">adjusts the options (paper defaults otherwise).</param>
    /// <returns><paramref name="services"/> for chaining.</returns>
    public static IServiceCollection AddDragVideo(this IServiceCollection services, Action<DragVideoOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<DragVideoOptions>();
        if (configure is not null) builder.Configure(configure);
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DragVideoOptions>, DragVideoOptionsValidator>());
        services.TryAddSingleton<IInstructionPropagator>(sp =>
            new DragInstructionPropagator(sp.GetRequiredService<IOptions<DragVideoOptions>>().Value.Propagation));
        services.TryAddSingleton<IDragObjective>(sp =>
        {
            var drag = sp.GetRequiredService<IOptions<DragVideoOptions>>().Value.Drag;
            return MotionSupervisionLoss.FromOptions(drag);
        });
        services.TryAddSingleton<IVideoDragEditor>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DragVideoOptions>>().Value;
            var propagator = sp.GetRequiredService<IInstructionPropagator>();
            if (options.ModelPath is null) return new FastWarpDragEditor(propagator);
            return new DragVideoBuilder()
                .UseOptions(options)
                .UseModelPath(options.ModelPath, options.MotionModulePath)
                .UseInstructionPropagator(propagator)
                .UseObjective(sp.GetRequiredService<IDragObjective>())
                .UseLogger(sp.GetService<ILoggerFactory>())
                .Build();
        });
        return services;
    }
}
