using DragVideo.Editing.FullResolution;
using DragVideo.Media.Streaming;
using DragVideo.Tracking;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.Metrics;

/// <summary>
/// The edit metrics of two video files at their full size and frame rate, streamed: both files are decoded side by side
/// and only the current and the next frame of each are held. Every <c>FrameStride</c>-th pair of consecutive frames
/// (t, t+1) is measured with <see cref="EditMetrics"/> — Eq. 8 and the warp error on the pair, drag accuracy and fidelity
/// on frame t — and the results are averaged (fidelity by pooling squared and absolute errors over all measured pixels).
/// The per-frame instruction comes from the full-resolution edit's working instruction: pairs interpolated in time,
/// masks scaled up from the nearest working frame.
/// </summary>
public sealed class FileEditMetrics
{
    private readonly EditMetrics _metrics;

    /// <summary>Creates the measurer.</summary>
    /// <param name="options">metric options; <see cref="EditMetricsOptions.FrameStride"/> is the sampling of frame pairs.</param>
    /// <param name="flow">optical flow (null = <see cref="PyramidalOpticalFlow"/>).</param>
    public FileEditMetrics(EditMetricsOptions? options = null, IOpticalFlow? flow = null)
    {
        Options = options ?? EditMetricsOptions.Default;
        Options.Validate();
        _metrics = new EditMetrics(flow ?? new PyramidalOpticalFlow(), null, Options with { FrameStride = 1 });
    }

    /// <summary>The options in use.</summary>
    public EditMetricsOptions Options { get; }

    /// <summary>
    /// Measures <paramref name="editedPath"/> against <paramref name="originalPath"/> (same size and frame count).
    /// </summary>
    /// <param name="originalPath">the source video.</param>
    /// <param name="editedPath">the edited video.</param>
    /// <param name="workingInstruction">the instruction on the working frames (<see cref="FullResolutionEditReport.WorkingInstruction"/>).</param>
    /// <param name="workingFrameSourceIndices">the working frames' source indices.</param>
    /// <param name="workingWidth">working width.</param>
    /// <param name="workingHeight">working height.</param>
    /// <param name="cancellationToken">checked per pair.</param>
    /// <returns>the metrics; <see cref="EditMetricsReport.FrameDragDistances"/> has one entry per measured pair.</returns>
    /// <exception cref="InvalidMediaException">the videos differ in size or frame count.</exception>
    public EditMetricsReport Measure(string originalPath, string editedPath, PropagatedInstruction workingInstruction,
        IReadOnlyList<int> workingFrameSourceIndices, int workingWidth, int workingHeight, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workingInstruction);
        ArgumentNullException.ThrowIfNull(workingFrameSourceIndices);
        if (workingInstruction.Frames.Count != workingFrameSourceIndices.Count)
            throw new ArgumentException($"the working instruction has {workingInstruction.Frames.Count} frames but {workingFrameSourceIndices.Count} source indices were given.", nameof(workingFrameSourceIndices));
        var a = StreamingProbe.Probe(originalPath, cancellationToken);
        var b = StreamingProbe.Probe(editedPath, cancellationToken);
        if (a.Width != b.Width || a.Height != b.Height)
            throw new InvalidMediaException($"the edited video is {b.Width}×{b.Height} but the original is {a.Width}×{a.Height}.", editedPath);
        TorchRuntime.EnsureLoaded();
        var geometry = new WorkingGeometry(a.Width, a.Height, workingWidth, workingHeight);
        int stride = Options.FrameStride;
        var results = new List<EditMetricsReport>();
        var pixelsOutside = new List<double>();
        using (var da = RawFrameDecoder.Open(a, "rgb24", a.Width, a.Height, constantRate: false, prefetch: 2, cancellationToken))
        using (var db = RawFrameDecoder.Open(b, "rgb24", b.Width, b.Height, constantRate: false, prefetch: 2, cancellationToken))
        {
            byte[]? prevA = null, prevB = null;
            int index = 0;
            while (true)
            {
                var fa = da.Next(cancellationToken);
                var fb = db.Next(cancellationToken);
                if ((fa is null) != (fb is null))
                    throw new InvalidMediaException($"the videos have different frame counts (one ends after {index} frames).", editedPath);
                if (fa is null || fb is null) break;
                if (prevA is not null && prevB is not null && (index - 1) % stride == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int t = index - 1;
                    var instruction = new PropagatedInstruction(new[]
                    {
                        FrameAt(t, 0, workingInstruction, workingFrameSourceIndices, geometry),
                        FrameAt(t + 1, 1, workingInstruction, workingFrameSourceIndices, geometry),
                    });
                    using var original = VideoClip.FromRgb24(new[] { prevA, fa }, a.Width, a.Height, a.Fps);
                    using var edited = VideoClip.FromRgb24(new[] { prevB, fb }, a.Width, a.Height, a.Fps);
                    var r = _metrics.Measure(original, edited, instruction, cancellationToken);
                    results.Add(r);
                    pixelsOutside.Add(r.OutsideFraction);
                }
                if (prevA is not null) da.Return(prevA);
                if (prevB is not null) db.Return(prevB);
                prevA = fa;
                prevB = fb;
                index++;
            }
        }
        if (results.Count == 0) throw new InvalidMediaException("the videos have fewer than two frames; nothing to measure.", originalPath);
        return Combine(results, pixelsOutside);
    }

    /// <summary>The instruction of source frame <paramref name="sourceIndex"/> at full size, as frame <paramref name="index"/> of a pair.</summary>
    private static FrameInstruction FrameAt(int sourceIndex, int index, PropagatedInstruction working, IReadOnlyList<int> indices, WorkingGeometry g)
    {
        int nearest = 0;
        for (int k = 1; k < indices.Count; k++)
            if (Math.Abs(indices[k] - sourceIndex) < Math.Abs(indices[nearest] - sourceIndex)) nearest = k;
        BinaryMask mask;
        using (var scope = NewDisposeScope())
        {
            var m = working.Frames[nearest].Mask.ToTensor().reshape(1, 1, g.Height, g.Width);
            var up = F.interpolate(m, new long[] { g.SourceHeight, g.SourceWidth }, mode: InterpolationMode.Nearest)[0, 0];
            mask = BinaryMask.FromTensor(up);
        }
        var fi = FullResolutionEditor.InterpolatedInstruction(sourceIndex, indices, working, g, mask);
        return fi with { FrameIndex = index };
    }

    private static EditMetricsReport Combine(List<EditMetricsReport> r, List<double> outside)
    {
        var distances = r.Where(x => x.MeasuredPoints > 0).ToList();
        double totalOutside = outside.Sum();
        double? mse = null, mae = null;
        if (totalOutside > 0)
        {
            // Pool the errors over every measured pixel: PSNR → MSE, weighted by each pair's share of outside pixels.
            mse = r.Zip(outside).Where(z => z.First.PsnrOutsideMask is not null)
                .Sum(z => Math.Pow(10, -z.First.PsnrOutsideMask!.Value / 10) * z.Second) / totalOutside;
            mae = r.Zip(outside).Where(z => z.First.MaeOutsideMask is not null).Sum(z => z.First.MaeOutsideMask!.Value * z.Second) / totalOutside;
        }
        double cap = EditMetricsOptions.Default.PsnrCap;
        return new EditMetricsReport(
            MeanDragDistance: distances.Count == 0 ? 0 : distances.Average(x => x.FrameDragDistances[0]),
            MaxDragDistance: distances.Count == 0 ? 0 : distances.Max(x => x.MaxDragDistance),
            MeanInitialDragDistance: distances.Count == 0 ? 0 : distances.Average(x => x.MeanInitialDragDistance),
            FrameDragDistances: r.Select(x => x.FrameDragDistances[0]).ToArray(),
            MeasuredPoints: r.Sum(x => x.MeasuredPoints),
            TemporalMaxFlow: r.Average(x => x.TemporalMaxFlow),
            OriginalTemporalMaxFlow: r.All(x => x.OriginalTemporalMaxFlow is not null) ? r.Average(x => x.OriginalTemporalMaxFlow!.Value) : null,
            WarpError: r.Average(x => x.WarpError),
            OriginalWarpError: r.All(x => x.OriginalWarpError is not null) ? r.Average(x => x.OriginalWarpError!.Value) : null,
            PsnrOutsideMask: mse is double e ? (e <= 0 ? cap : Math.Min(cap, 10 * Math.Log10(1.0 / e))) : null,
            MaeOutsideMask: mae,
            OutsideFraction: outside.Average(),
            ClipConsistency: null,
            OriginalClipConsistency: null);
    }
}
