using DragVideo.Diffusion.Modules.Attention;
using DragVideo.Diffusion.Modules.Unet;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Testing;

/// <summary>
/// Observes module outputs through standard TorchSharp forward hooks (<c>register_forward_hook</c>), the way diffusers'
/// reference fixtures were recorded: no capture plumbing in the models. Knows every forward signature the diffusion
/// modules use; a down block's hooked output is its hidden state (diffusers' <c>output[0]</c>).
/// </summary>
public sealed class ForwardHooks : IDisposable
{
    private readonly List<Action> _removers = new();
    private readonly Dictionary<string, Tensor> _outputs = new(StringComparer.Ordinal);

    /// <summary>The last output of each hooked module by module path (detached copies owned by this recorder).</summary>
    public IReadOnlyDictionary<string, Tensor> Outputs => _outputs;

    /// <summary>Hooks the modules of <paramref name="root"/> at <paramref name="paths"/> (<c>named_modules</c> names).</summary>
    /// <exception cref="ArgumentException">a path names no module, or a module whose forward signature is unknown.</exception>
    public static ForwardHooks Record(nn.Module root, IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(root);
        var modules = root.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        var hooks = new ForwardHooks();
        foreach (var path in paths)
        {
            if (!modules.TryGetValue(path, out var module))
                throw new ArgumentException($"No module has the path '{path}'.", nameof(paths));
            if (!TryRegister(module, t => hooks.Keep(path, t), out var remove))
                throw new ArgumentException($"The module '{path}' ({module.GetType().Name}) has no known hookable forward.", nameof(paths));
            hooks._removers.Add(remove);
        }
        return hooks;
    }

    /// <summary>
    /// Registers a forward hook on <paramref name="module"/> that reports its tensor output, when its forward signature is
    /// one the diffusion modules use; containers (<c>ModuleList</c>) and models with custom entry points return false.
    /// </summary>
    public static bool TryRegister(nn.Module module, Action<Tensor> onOutput, out Action remove)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(onOutput);
        remove = () => { };
        switch (module)
        {
            case nn.Module<Tensor, Tensor> m: { var h = m.register_forward_hook((_, _, o) => { onOutput(o); return o; }); remove = h.remove; return true; }
            case nn.Module<Tensor, Tensor?, Tensor> m: { var h = m.register_forward_hook((_, _, _, o) => { onOutput(o); return o; }); remove = h.remove; return true; }
            case nn.Module<Tensor, long[]?, Tensor> m: { var h = m.register_forward_hook((_, _, _, o) => { onOutput(o); return o; }); remove = h.remove; return true; }
            case nn.Module<Tensor, UNetForwardContext, (Tensor Hidden, List<Tensor> Skips)> m:
                { var h = m.register_forward_hook((_, _, _, o) => { onOutput(o.Hidden); return o; }); remove = h.remove; return true; }
            case nn.Module<Tensor, UNetForwardContext, Tensor> m: { var h = m.register_forward_hook((_, _, _, o) => { onOutput(o); return o; }); remove = h.remove; return true; }
            case nn.Module<Tensor, UNetUpBlockArgs, Tensor> m: { var h = m.register_forward_hook((_, _, _, o) => { onOutput(o); return o; }); remove = h.remove; return true; }
            case nn.Module<Tensor, Tensor?, AttentionCall, Tensor> m: { var h = m.register_forward_hook((_, _, _, _, o) => { onOutput(o); return o; }); remove = h.remove; return true; }
            case nn.Module<Tensor, int, AttentionCall, Tensor> m: { var h = m.register_forward_hook((_, _, _, _, o) => { onOutput(o); return o; }); remove = h.remove; return true; }
            default: return false;
        }
    }

    private void Keep(string path, Tensor output)
    {
        if (_outputs.Remove(path, out var old)) old.Dispose();
        _outputs[path] = output.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>Removes the hooks and disposes the recorded outputs.</summary>
    public void Dispose()
    {
        foreach (var remove in _removers) remove();
        _removers.Clear();
        foreach (var t in _outputs.Values) t.Dispose();
        _outputs.Clear();
    }
}
