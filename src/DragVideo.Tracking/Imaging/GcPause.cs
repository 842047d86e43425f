using System.Runtime;

namespace DragVideo.Tracking;

/// <summary>
/// Holds off garbage collection for one short unit of LibTorch work — one frame of a long per-frame loop. TorchSharp
/// 0.107 turns every .NET number passed to an operation (<c>tensor / 2f</c>, <c>tensor.gt(0f)</c>) into a native
/// <c>Scalar</c> whose managed wrapper has a finaliser and is not held by dispose scopes; once its handle is passed to
/// LibTorch nothing keeps the wrapper alive, so a collection triggered by another thread during the native call can free
/// the scalar while LibTorch reads it. Long streaming runs (hundreds of frames, thousands of calls) died of this with
/// "Unknown scalar type". Inside a pause no collection runs at all; the collection needed to start one runs here, on the
/// calling thread, between native calls. Nested or concurrent pauses degrade to no pause (never to an error).
/// </summary>
internal readonly struct GcPause : IDisposable
{
    /// <summary>Managed bytes one frame of work may allocate (tensor wrappers: a few MB at most) before the pause lapses.</summary>
    internal const long Budget = 32L << 20;

    private readonly bool _started;

    private GcPause(bool started) => _started = started;

    /// <summary>True when this pause holds collections off (false when another pause was already active).</summary>
    public bool IsActive => _started;

    /// <summary>Starts a pause, or returns an inactive one when a pause is already active or the runtime refuses.</summary>
    public static GcPause Begin()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return default;
        try
        {
            return new GcPause(GC.TryStartNoGCRegion(Budget));
        }
        catch (InvalidOperationException)
        {
            return default; // another thread started a pause in between
        }
        catch (ArgumentOutOfRangeException)
        {
            return default; // a runtime whose ephemeral space is smaller than the budget
        }
    }

    /// <summary>Ends the pause (nothing to do when the budget ran out: the runtime has ended it with a collection).</summary>
    public void Dispose()
    {
        if (!_started || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion) return;
        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The region lapsed (allocation over budget, or an induced collection): nothing is held off any more.
        }
    }
}
