using DragVideo.Diffusion.Precision;
using static TorchSharp.torch;

namespace DragVideo.Editing.Drag;

/// <summary>
/// The features F(ẑ_t) of one drag-optimisation step as the loop uses them — reference features (Eq. 5's F(z_t) at the
/// initial handles), point tracking (Eq. 5) and the objective (Eq. 3) — either from the dense resized map (what a custom
/// <see cref="IDragObjective"/> is given) or from windows around the handles (<see cref="FeatureWindows"/>, the built-in
/// <see cref="MotionSupervisionLoss"/>: the same values without the dense map, which dominates a 16-frame step's memory
/// outside the U-Net). Windows are wide enough that every read of the dense path lands inside them, and where a window is
/// clipped its edge is the map's edge, so both give the same handles and, up to float rounding, the same loss.
/// </summary>
internal abstract class StepFeatures
{
    /// <summary>The dense map <c>[F, C, H', W']</c>.</summary>
    public static StepFeatures Dense(Tensor features) => new DenseFeatures(features);

    /// <summary>Windows read on demand, for the built-in objective.</summary>
    public static StepFeatures Windowed(FeatureWindows windows, MotionSupervisionLoss objective) => new WindowedFeatures(windows, objective);

    /// <summary>Per frame <c>[C, pairs]</c>: the reference feature of every initial handle (caller owns).</summary>
    public abstract IReadOnlyList<Tensor> References(FeatureHandleTracker tracker, IReadOnlyList<IReadOnlyList<DragPoint>> handles);

    /// <summary>The handles after one round of Eq. 5 tracking.</summary>
    public abstract IReadOnlyList<IReadOnlyList<DragPoint>> Track(FeatureHandleTracker tracker, IReadOnlyList<Tensor> references,
        IReadOnlyList<IReadOnlyList<DragPoint>> handles);

    /// <summary>The objective at the current handles (scalar, with gradient).</summary>
    public abstract Tensor Loss(IDragObjective objective, IReadOnlyList<IReadOnlyList<DragPair>> pairs, Tensor? editedPrev, Tensor? originalPrev,
        Tensor latentMask);

    private sealed class DenseFeatures(Tensor features) : StepFeatures
    {
        public override IReadOnlyList<Tensor> References(FeatureHandleTracker tracker, IReadOnlyList<IReadOnlyList<DragPoint>> handles) =>
            tracker.ReferenceFeatures(features.detach(), handles);

        public override IReadOnlyList<IReadOnlyList<DragPoint>> Track(FeatureHandleTracker tracker, IReadOnlyList<Tensor> references,
            IReadOnlyList<IReadOnlyList<DragPoint>> handles) => tracker.Track(features, references, handles);

        public override Tensor Loss(IDragObjective objective, IReadOnlyList<IReadOnlyList<DragPair>> pairs, Tensor? editedPrev, Tensor? originalPrev,
            Tensor latentMask) => objective.ComputeLoss(new DragObjectiveInput(features, pairs, editedPrev, originalPrev, latentMask));
    }

    private sealed class WindowedFeatures(FeatureWindows windows, MotionSupervisionLoss builtIn) : StepFeatures
    {
        /// <summary>A bilinear read at the handle (or its cell) touches at most the next cell on each axis.</summary>
        private const int ReferenceMargin = 2;

        public override IReadOnlyList<Tensor> References(FeatureHandleTracker tracker, IReadOnlyList<IReadOnlyList<DragPoint>> handles)
        {
            using var noGrad = no_grad();
            var result = new List<Tensor>(handles.Count);
            for (int i = 0; i < handles.Count; i++)
            {
                using var scope = NewDisposeScope();
                var columns = new List<Tensor>(handles[i].Count);
                foreach (var handle in handles[i])
                {
                    var (window, left, top) = Read(i, handle, ReferenceMargin);
                    columns.Add(tracker.ReferenceFeatures(window.unsqueeze(0), new[] { new[] { Shift(handle, left, top) } })[0]);
                }
                var frame = columns.Count == 0
                    ? zeros(new long[] { windows.Channels, 0 }, dtype: ScalarType.Float32, device: windows.Device)
                    : cat(columns, 1);
                result.Add(frame.MoveToOuterDisposeScope());
            }
            return result;
        }

        public override IReadOnlyList<IReadOnlyList<DragPoint>> Track(FeatureHandleTracker tracker, IReadOnlyList<Tensor> references,
            IReadOnlyList<IReadOnlyList<DragPoint>> handles)
        {
            using var noGrad = no_grad();
            // The window search of Eq. 5 covers r' cells around the handle's cell, which may round one cell away.
            int margin = tracker.SearchRadius + 1;
            var result = new List<IReadOnlyList<DragPoint>>(handles.Count);
            for (int i = 0; i < handles.Count; i++)
            {
                var moved = new List<DragPoint>(handles[i].Count);
                for (int j = 0; j < handles[i].Count; j++)
                {
                    using var scope = NewDisposeScope();
                    var (window, left, top) = Read(i, handles[i][j], margin);
                    var reference = references[i].narrow(1, j, 1);
                    var found = tracker.Track(window.unsqueeze(0), new[] { reference }, new[] { new[] { Shift(handles[i][j], left, top) } })[0][0];
                    moved.Add(new DragPoint(found.X + left, found.Y + top));
                }
                result.Add(moved);
            }
            return result;
        }

        public override Tensor Loss(IDragObjective objective, IReadOnlyList<IReadOnlyList<DragPair>> pairs, Tensor? editedPrev, Tensor? originalPrev,
            Tensor latentMask)
        {
            if (pairs.Count != windows.Frames)
                throw new ArgumentException($"pairs are given for {pairs.Count} frames; the features have {windows.Frames}.", nameof(pairs));
            // The shifted patch of Eq. 3 reads r cells around the handle's cell (which may round one cell away), moved by
            // a unit vector, with one more cell for the bilinear taps.
            int margin = builtIn.PatchRadius + 3;
            return builtIn.ComputeLoss(pairs, (i, pair) =>
            {
                var (window, left, top) = Read(i, pair.Handle, margin);
                return (window, new DragPair(Shift(pair.Handle, left, top), Shift(pair.Target, left, top)));
            }, editedPrev, originalPrev, latentMask);
        }

        /// <summary>A window in float32 (the half-precision policy runs tracking and the loss in float32).</summary>
        private (Tensor Window, int Left, int Top) Read(int frame, DragPoint center, int margin)
        {
            var (window, left, top) = windows.Around(frame, center, margin);
            return (PrecisionPolicy.IsHalf(window.dtype) ? window.to_type(ScalarType.Float32) : window, left, top);
        }

        private static DragPoint Shift(DragPoint p, int left, int top) => new(p.X - left, p.Y - top);
    }
}
