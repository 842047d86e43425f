using DragVideo.Cli.Demo;

namespace DragVideo.Editing.Tests.Fast;

/// <summary>
/// A hand-made propagator for the demo clip: it knows the disc's exact motion, so the warp can be tested on perfect
/// instructions independently of any tracker. The mask is the disc grown by 10 px and swept along the drag, as the
/// real propagator does.
/// </summary>
internal sealed class DemoClipPropagator : IInstructionPropagator
{
    public PropagatedInstruction Propagate(VideoClip clip, DragRequest request, CancellationToken cancellationToken = default)
    {
        int n = clip.FrameCount;
        var frames = new List<FrameInstruction>();
        for (int f = 0; f < n; f++)
        {
            var pair = new DragPair(DemoClip.Handle(f, n), DemoClip.Target(f, n));
            frames.Add(new FrameInstruction(f, new[] { pair }, SweptDisc(f, n, pair), new[] { true }, new[] { 1f }));
        }
        return new PropagatedInstruction(frames);
    }

    internal static BinaryMask SweptDisc(int f, int n, DragPair pair)
    {
        var c = DemoClip.ObjectCenter(f, n);
        float r = DemoClip.ObjectRadius + 10;
        var off = pair.Offset;
        return BinaryMask.FromFunction(DemoClip.Size, DemoClip.Size, (x, y) =>
        {
            for (int s = 0; s <= 8; s++)
            {
                float cx = c.X + off.X * s / 8f, cy = c.Y + off.Y * s / 8f;
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) return true;
            }
            return false;
        });
    }
}

/// <summary>A propagator that repeats one key frame's pairs and mask on every frame (a static scene).</summary>
internal sealed class StaticPropagator : IInstructionPropagator
{
    public PropagatedInstruction Propagate(VideoClip clip, DragRequest request, CancellationToken cancellationToken = default)
    {
        var kf = request.Keyframes[0];
        var mask = kf.Mask ?? BinaryMask.Filled(clip.Width, clip.Height, true);
        var frames = Enumerable.Range(0, clip.FrameCount)
            .Select(f => new FrameInstruction(f, kf.Pairs, mask, kf.Pairs.Select(_ => true).ToArray(), kf.Pairs.Select(_ => 1f).ToArray()))
            .ToList();
        return new PropagatedInstruction(frames);
    }
}
