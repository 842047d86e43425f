using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// Gradient checkpointing for TorchSharp, which has no <c>torch.utils.checkpoint</c>: a custom autograd function runs a
/// unit of the network without recording a graph, keeps only the unit's tensor inputs, and during backward runs the
/// unit again with gradients on detached copies of those inputs and back-propagates the incoming gradient through the
/// recomputed graph (PyTorch's reentrant checkpoint). Gradients reach the inputs through the function's outputs and
/// reach trainable leaves used inside the unit (LoRA adapters, which are not parameters of the network) by
/// accumulation during that inner backward. The CPU random state is restored for the recomputation, so dropout draws
/// the same masks.
/// </summary>
internal static class GradientCheckpoint
{
    /// <summary>
    /// Runs <paramref name="unit"/> on <paramref name="inputs"/> (null entries allowed, passed through as null) and
    /// returns its outputs. When no gradient is being recorded it is a plain call. Otherwise the outputs are produced
    /// by the checkpoint function: they require grad, and their backward recomputes <paramref name="unit"/>.
    /// <paramref name="unit"/> must be a pure function of its inputs and of module weights: it runs twice, and must not
    /// capture tensors other than weights (they may be disposed before backward).
    /// </summary>
    public static Tensor[] Run(Func<Tensor?[], Tensor[]> unit, params Tensor?[] inputs)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!is_grad_enabled()) return unit(inputs);

        // Without an input that requires grad the autograd engine would never call our backward, and gradients of
        // trainable leaves inside the unit (LoRA training on a frozen network) would be lost: add an anchor leaf.
        bool anyGrad = inputs.Any(t => t is not null && t.requires_grad);
        var anchor = anyGrad ? null : zeros(1, requires_grad: true);
        var vars = new object?[inputs.Length + 2];
        vars[0] = new State(unit, inputs.Length);
        for (int i = 0; i < inputs.Length; i++) vars[i + 1] = inputs[i];
        vars[^1] = anchor;
        var outputs = CheckpointFunction.apply(vars!);
        return outputs.ToArray();
    }

    /// <summary>What the function keeps besides the saved inputs.</summary>
    private sealed class State
    {
        public State(Func<Tensor?[], Tensor[]> unit, int inputCount)
        {
            Unit = unit;
            InputCount = inputCount;
        }

        public Func<Tensor?[], Tensor[]> Unit { get; }

        public int InputCount { get; }

        public bool[] Present { get; set; } = Array.Empty<bool>();

        public bool[] NeedsGrad { get; set; } = Array.Empty<bool>();

        public Tensor? RngState { get; set; }
    }

    /// <summary>The autograd function. Vars: [State, inputs…, anchor-or-null].</summary>
    private sealed class CheckpointFunction : autograd.MultiTensorFunction<CheckpointFunction>
    {
        public override string Name => "GradientCheckpoint";

        public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var state = (State)vars[0];
            var inputs = new Tensor?[state.InputCount];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = vars[i + 1] as Tensor;
            state.Present = inputs.Select(t => t is not null).ToArray();
            state.NeedsGrad = inputs.Select(t => t is not null && t.requires_grad).ToArray();
            // Outlives the block's dispose scope; released after the first backward.
            state.RngState = get_rng_state().DetachFromDisposeScope();
            ctx.save_data("state", state);
            // TorchSharp materialises a missing output gradient as zeros_like of a shape placeholder it allocates with
            // empty_like inside the caller's dispose scope; by backward that placeholder is gone (an output the loss
            // never used, e.g. a skip tensor after a truncated drag forward). Receive such gradients undefined
            // instead; backward skips them.
            ctx.set_materialize_grads(false);
            ctx.save_for_backward(inputs.Where(t => t is not null).Select(t => t!).ToList());
            // apply() runs this with gradient recording off, so the unit keeps no activations.
            return state.Unit(inputs).ToList();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
        {
            var state = (State)ctx.get_data("state");
            var saved = ctx.get_saved_variables();
            var result = new List<Tensor>(state.InputCount + 2) { null! };
            using (var scope = NewDisposeScope())
            {
                var detached = new Tensor?[state.InputCount];
                for (int i = 0, s = 0; i < detached.Length; i++)
                {
                    if (!state.Present[i]) continue;
                    detached[i] = saved[s++].detach().requires_grad_(state.NeedsGrad[i]);
                }

                var current = get_rng_state();
                if (state.RngState is not null) set_rng_state(state.RngState);
                Tensor[] outputs;
                try
                {
                    using (enable_grad())
                        outputs = state.Unit(detached);
                }
                finally
                {
                    set_rng_state(current);
                }
                if (outputs.Length != grad_outputs.Count)
                    throw new InvalidOperationException($"A checkpointed unit returned {outputs.Length} tensors when recomputed but {grad_outputs.Count} the first time; it must be deterministic.");

                var roots = new List<Tensor>();
                var grads = new List<Tensor>();
                for (int i = 0; i < outputs.Length; i++)
                {
                    if (!outputs[i].requires_grad || grad_outputs[i] is null || grad_outputs[i].IsInvalid) continue;
                    roots.Add(outputs[i]);
                    grads.Add(grad_outputs[i]);
                }
                if (roots.Count > 0) autograd.backward(roots, grads);

                for (int i = 0; i < detached.Length; i++)
                {
                    var g = detached[i] is { } t && state.NeedsGrad[i] ? t.grad : null;
                    result.Add(g is null ? null! : g.MoveToOuterDisposeScope());
                }
            }
            result.Add(null!); // the anchor's gradient is not needed
            state.RngState?.Dispose();
            state.RngState = null;
            return result;
        }
    }
}
