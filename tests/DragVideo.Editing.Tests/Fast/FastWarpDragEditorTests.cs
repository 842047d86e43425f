using DragVideo.Cli.Demo;
using DragVideo.Editing.Fast;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Fast;

public sealed class FastWarpDragEditorTests
{
    public FastWarpDragEditorTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public async Task Pixels_outside_every_frame_mask_are_copied_exactly_and_the_input_is_not_modified()
    {
        using var clip = DemoClip.Build(4);
        using var before = clip.Frames.clone();
        var editor = new FastWarpDragEditor(new DemoClipPropagator());
        using var result = await editor.EditAsync(clip, DemoClip.Request(4));

        (clip.Frames - before).abs().max().item<float>().Should().Be(0f, "the input clip is never modified");
        result.Backend.Should().Be("fast-warp");
        for (int f = 0; f < 4; f++)
        {
            using var scope = NewDisposeScope();
            var outside = result.Instruction.Frames[f].Mask.ToTensor().lt(0.5f).unsqueeze(0).expand(3, -1, -1);
            var diff = (result.EditedClip.Frames[f] - clip.Frames[f]).abs().masked_select(outside);
            diff.max().item<float>().Should().Be(0f);
            // Inside the mask something did change.
            (result.EditedClip.Frames[f] - clip.Frames[f]).abs().max().item<float>().Should().BeGreaterThan(0.05f);
        }
    }

    [Fact]
    public void The_target_pixel_takes_the_colour_of_the_handle_pixel()
    {
        using var scope = NewDisposeScope();
        using var clip = DemoClip.Build(2);
        var editor = new FastWarpDragEditor(new DemoClipPropagator());
        var instr = new DemoClipPropagator().Propagate(clip, DemoClip.Request(2)).Frames[0];
        var warped = editor.WarpFrame(clip.Frames[0], instr);
        var h = instr.Pairs[0].Handle; var t = instr.Pairs[0].Target;
        var got = warped[TensorIndex.Colon, (long)t.Y, (long)t.X];
        var want = clip.Frames[0][TensorIndex.Colon, (long)h.Y, (long)h.X];
        TensorAssert.Close(got, want, atol: 0.02, rtol: 0);
    }

    [Fact]
    public void A_drag_onto_itself_changes_nothing()
    {
        using var scope = NewDisposeScope();
        using var clip = DemoClip.Build(2);
        var p = new DragPoint(100, 100);
        var instr = new FrameInstruction(0, new[] { new DragPair(p, p) }, DemoClip.ObjectMask(0, 2, 20), new[] { true }, new[] { 1f });
        var warped = new FastWarpDragEditor(new StaticPropagator()).WarpFrame(clip.Frames[0], instr);
        TensorAssert.Close(warped, clip.Frames[0], atol: 1e-4, rtol: 0);
    }

    [Fact]
    public async Task Progress_is_reported_for_every_frame()
    {
        using var clip = DemoClip.Build(5);
        var reports = new List<EditProgress>();
        var editor = new FastWarpDragEditor(new DemoClipPropagator());
        using var result = await editor.EditAsync(clip, DemoClip.Request(5), new ListProgress<EditProgress>(reports));
        reports.Where(r => r.Stage == EditStage.Warping).Select(r => r.Step).Should().Equal(1, 2, 3, 4, 5);
        result.StageTimings.Should().ContainKey(EditStage.Warping);
    }

    [Fact]
    public async Task Cancellation_stops_the_edit()
    {
        using var clip = DemoClip.Build(4);
        using var cts = new CancellationTokenSource();
        var editor = new FastWarpDragEditor(new DemoClipPropagator());
        // Cancel as soon as the first frame is done.
        var progress = new ListProgress<EditProgress>(p => { if (p.Stage == EditStage.Warping) cts.Cancel(); });
        var act = () => editor.EditAsync(clip, DemoClip.Request(4), progress, cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task A_point_outside_the_frame_is_rejected_before_any_work()
    {
        using var clip = DemoClip.Build(2);
        var bad = new DragRequest(new[] { new KeyframeDrag(0, new[] { new DragPair(new(10, 10), new(400, 10)) }) });
        var act = () => new FastWarpDragEditor(new StaticPropagator()).EditAsync(clip, bad);
        (await act.Should().ThrowAsync<InvalidDragRequestException>()).Which.Field.Should().Contain("target.x");
    }

    [Fact]
    public void Invalid_options_are_rejected_naming_the_option()
    {
        var act = () => new FastWarpDragEditor(new StaticPropagator(), new FastWarpOptions { GridStride = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("GridStride");
    }
}

public sealed class FastWarpMemoryTests
{
    [Fact]
    public void Warping_frames_in_a_loop_leaves_no_live_tensors_behind()
    {
        TorchRuntime.EnsureLoaded();
        using var clip = DemoClip.Build(2);
        var editor = new FastWarpDragEditor(new DemoClipPropagator());
        var instr = new DemoClipPropagator().Propagate(clip, DemoClip.Request(2)).Frames[0];
        using var frame = clip.Frames[0];
        editor.WarpFrame(frame, instr).Dispose();   // warm-up
        long before = LiveTensors.Count;
        for (int i = 0; i < 3; i++) editor.WarpFrame(frame, instr).Dispose();
        LiveTensors.Count.Should().Be(before);
    }
}
