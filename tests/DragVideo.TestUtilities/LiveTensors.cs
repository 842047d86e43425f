using TorchSharp;

namespace DragVideo.Testing;

/// <summary>Counts live TorchSharp tensors on the current thread, to guard loops against leaks.</summary>
public static class LiveTensors
{
    /// <summary>Live tensors created on this thread and not yet disposed.</summary>
    public static long Count => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
}
