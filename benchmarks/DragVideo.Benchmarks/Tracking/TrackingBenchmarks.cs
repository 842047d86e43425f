using BenchmarkDotNet.Attributes;
using DragVideo.Tracking;
using static TorchSharp.torch;

namespace DragVideo.Benchmarks;

/// <summary>
/// Weight-free tracking throughput on a 16-frame textured clip (first + last key frames, 16 drag pairs, one mask):
/// point propagation (pyramidal Lucas–Kanade with forward–backward checks, both directions), mask propagation
/// (dense flow chained and refined to the key frame) and one dense flow pair. Times are reported per frame
/// (<c>OperationsPerInvoke</c> = 16), so frames/s = 1 / mean.
/// </summary>
[MemoryDiagnoser]
public class TrackingBenchmarks
{
    private VideoClip _clip = null!;
    private KeyframeDrag[] _keys = null!;
    private PointPropagation _points = null!;
    private readonly FlowPointPropagator _pointPropagator = new();
    private readonly FlowMaskPropagator _maskPropagator = new();
    private readonly PyramidalOpticalFlow _flow = new();

    /// <summary>Frame side in pixels.</summary>
    [Params(256, 512)]
    public int Size { get; set; }

    /// <summary>Builds the clip and the instruction.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        _clip = TrackingScene.Clip(Size);
        _keys = TrackingScene.Keyframes(Size);
        _points = _pointPropagator.Propagate(_clip, _keys);
    }

    /// <summary>Point propagation over the clip, per frame.</summary>
    [Benchmark(OperationsPerInvoke = TrackingScene.Frames)]
    public PointPropagation PointTracking() => _pointPropagator.Propagate(_clip, _keys);

    /// <summary>Mask propagation over the clip (before growth), per frame.</summary>
    [Benchmark(OperationsPerInvoke = TrackingScene.Frames)]
    public IReadOnlyList<BinaryMask> MaskPropagation() => _maskPropagator.Propagate(_clip, _keys, _points);

    /// <summary>One dense flow between consecutive frames.</summary>
    [Benchmark]
    public void DenseFlowPair()
    {
        using var a = _clip.Frames[0];
        using var b = _clip.Frames[1];
        using var f = _flow.Compute(a, b);
    }

    /// <summary>Frees the clip.</summary>
    [GlobalCleanup]
    public void Cleanup() => _clip.Dispose();
}
