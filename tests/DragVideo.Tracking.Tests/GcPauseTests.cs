using System.Runtime;

namespace DragVideo.Tracking.Tests;

/// <summary>
/// The pause that keeps collections (and so TorchSharp's scalar finalisers) away from a frame's native calls. Not run
/// in parallel with other tests: a no-GC region is process-wide.
/// </summary>
[Collection(GcPauseCollection.Name)]
public sealed class GcPauseTests
{
    [Fact]
    public void No_collection_runs_inside_a_pause_and_the_latency_mode_is_restored_after_it()
    {
        var before = GCSettings.LatencyMode;
        int gen0;
        using (var pause = GcPause.Begin())
        {
            Assert.True(pause.IsActive);
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            gen0 = GC.CollectionCount(0);
            // About 4 MB of short-lived objects: several gen0 budgets' worth without a pause.
            long sum = 0;
            for (int i = 0; i < 4096; i++) sum += new byte[1024].Length;
            Assert.Equal(4096L * 1024, sum);
            Assert.Equal(gen0, GC.CollectionCount(0));
        }
        Assert.Equal(before, GCSettings.LatencyMode);
    }

    [Fact]
    public void A_nested_pause_is_inactive_and_ending_it_keeps_the_outer_pause()
    {
        using var outer = GcPause.Begin();
        Assert.True(outer.IsActive);
        using (var inner = GcPause.Begin())
            Assert.False(inner.IsActive);
        Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [Fact]
    public void A_pause_whose_budget_ran_out_ends_without_an_error()
    {
        var pause = GcPause.Begin();
        Assert.True(pause.IsActive);
        // Far over the budget: the runtime ends the region itself with a collection.
        var keep = new List<byte[]>();
        for (long allocated = 0; allocated < 2 * GcPause.Budget; allocated += 1 << 20) keep.Add(new byte[1 << 20]);
        pause.Dispose();
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        GC.KeepAlive(keep);
    }
}

/// <summary>Serialises the tests that start no-GC regions (process-wide state).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GcPauseCollection
{
    public const string Name = "GC pause";
}
