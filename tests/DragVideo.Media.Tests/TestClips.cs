using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Media.Tests;

/// <summary>Synthetic and real test content.</summary>
public static class TestClips
{
    public const string OpenCvData = "/usr/share/doc/opencv-doc/examples/data";

    public static string OpenCv(string name)
    {
        string p = Path.Combine(OpenCvData, name);
        if (!File.Exists(p)) throw new FileNotFoundException($"test data {p} is missing (apt-get install opencv-doc).", p);
        return p;
    }

    /// <summary>A clip of constant grey frames whose level encodes the frame index: level = (8·i + 4) / 255.</summary>
    public static VideoClip IndexCoded(int frames, int width, int height, double fps)
    {
        TorchRuntime.EnsureLoaded();
        var t = torch.zeros(frames, 3, height, width);
        for (int i = 0; i < frames; i++) t[i].fill_((8 * i + 4) / 255f);
        return new VideoClip(t, fps);
    }

    /// <summary>Decodes the index from an index-coded frame (mean level).</summary>
    public static int IndexOf(VideoClip clip, int frame)
    {
        double mean = clip.Frames[frame].mean().ToDouble() * 255;
        return (int)Math.Round((mean - 4) / 8);
    }

    /// <summary>A textured clip: a window sliding 3 px right and 2 px down per frame over a real photograph.</summary>
    public static VideoClip SlidingWindow(string image, int frames, int width, int height)
    {
        using var img = ImageFile.Read(image);
        var list = new List<Tensor>();
        using var scope = NewDisposeScope();
        for (int i = 0; i < frames; i++)
            list.Add(img[.., (2 * i)..(2 * i + height), (3 * i)..(3 * i + width)]);
        var stacked = torch.stack(list).contiguous().MoveToOuterDisposeScope();
        return new VideoClip(stacked, 12);
    }
}
