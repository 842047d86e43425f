namespace DragVideo.Tracking.Imaging;

/// <summary>
/// Builds frame pyramids of a clip on demand and keeps the most recently used few (reference frames are reused, the
/// rest are needed for one step only).
/// </summary>
internal sealed class PyramidCache
{
    private readonly VideoClip _clip;
    private readonly Func<TorchSharp.torch.Tensor, FramePyramid> _build;
    private readonly int _capacity;
    private readonly LinkedList<(int Frame, FramePyramid Pyramid)> _entries = new();

    public PyramidCache(VideoClip clip, Func<TorchSharp.torch.Tensor, FramePyramid> build, int capacity = 6)
    {
        _clip = clip;
        _build = build;
        _capacity = Math.Max(2, capacity);
    }

    /// <summary>The pyramid of frame <paramref name="frame"/>.</summary>
    public FramePyramid Get(int frame)
    {
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            if (node.Value.Frame != frame) continue;
            _entries.Remove(node);
            _entries.AddFirst(node);
            return node.Value.Pyramid;
        }
        FramePyramid p;
        using (var scope = TorchSharp.torch.NewDisposeScope())
            p = _build(ImageOps.Frame(_clip, frame));
        _entries.AddFirst((frame, p));
        while (_entries.Count > _capacity) _entries.RemoveLast();
        return p;
    }
}
