using System.Runtime.CompilerServices;

namespace DragVideo.Tracking.Tests.Support;

internal static class TestSetup
{
    /// <summary>
    /// One intra-op thread: the CI box has two cores shared with other test processes, where OpenMP's spinning worker
    /// threads cost far more than they gain on these small tensors.
    /// </summary>
    [ModuleInitializer]
    internal static void OneTorchThread()
    {
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.set_num_threads(1);
    }
}
