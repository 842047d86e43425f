using DragVideo.Editing.Drag;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Drag;

public class FeatureHandleTrackerTests
{
    public FeatureHandleTrackerTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Handle_moves_to_the_nearest_neighbour_of_its_original_feature_within_the_window()
    {
        using var scope = NewDisposeScope();
        var original = randn(1, 4, 12, 12);
        var current = randn(1, 4, 12, 12);
        // The handle's original feature reappears 2 px right and 1 px down in the current map.
        current[0, TensorIndex.Colon, 6, 7] = original[0, TensorIndex.Colon, 5, 5];
        var tracker = new FeatureHandleTracker(searchRadius: 3);
        var initial = new IReadOnlyList<DragPoint>[] { new[] { new DragPoint(5, 5) } };
        var refs = tracker.ReferenceFeatures(original, initial);
        var moved = tracker.Track(current, refs, initial);
        moved[0][0].Should().Be(new DragPoint(7, 6));
    }

    [Fact]
    public void Window_is_clipped_at_the_border_so_a_corner_handle_never_searches_outside_the_map()
    {
        using var scope = NewDisposeScope();
        var original = randn(1, 3, 8, 8);
        // Every in-map value of the current features is far from the reference; only the clipped window may be searched.
        var current = full(new long[] { 1, 3, 8, 8 }, 100f);
        current[0, TensorIndex.Colon, 0, 0] = original[0, TensorIndex.Colon, 0, 0].add(0.01f);
        var tracker = new FeatureHandleTracker(3);
        var initial = new IReadOnlyList<DragPoint>[] { new[] { new DragPoint(0, 0) } };
        var moved = tracker.Track(current, tracker.ReferenceFeatures(original, initial), initial);
        moved[0][0].Should().Be(new DragPoint(0, 0));
        FeaturePatch.Cells(new DragPoint(0, 0), 3, 8, 8).Should().HaveCount(16).And.OnlyContain(c => c.X >= 0 && c.Y >= 0);
    }
}
