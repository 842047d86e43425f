using System.CommandLine;
using System.Globalization;
using DragVideo.Media;

namespace DragVideo.Cli.Commands;

/// <summary>
/// The decode options shared by commands that read a video: <c>--kps</c>, <c>--max-frames</c>, <c>--start</c>,
/// <c>--size</c> (<c>512</c> = square 512×512, <c>512x320</c> = width×height) and <c>--pad</c>.
/// </summary>
internal sealed class VideoReadCliOptions
{
    public Option<double> Kps { get; } = new("--kps")
    {
        Description = "Key frames per second sampled from the video (paper default 6; 0 = every frame).",
        DefaultValueFactory = _ => 6,
    };

    public Option<int> MaxFrames { get; } = new("--max-frames")
    {
        Description = "Maximum number of frames to read (paper default 24).",
        DefaultValueFactory = _ => 24,
    };

    public Option<double> Start { get; } = new("--start") { Description = "Start time in seconds (default 0)." };

    public Option<string?> Size { get; } = new("--size")
    {
        Description = "Frame size: N for a square N×N centre crop (the paper uses 512), or WxH. Default: the video's size rounded down to a multiple of 8.",
    };

    public Option<bool> Pad { get; } = new("--pad") { Description = "Pad with black borders instead of centre-cropping." };

    public void AddTo(Command command)
    {
        command.Options.Add(Kps);
        command.Options.Add(MaxFrames);
        command.Options.Add(Start);
        command.Options.Add(Size);
        command.Options.Add(Pad);
    }

    /// <summary>Builds the reader options; bad values throw <see cref="ArgumentException"/> naming the option.</summary>
    public VideoReadOptions Read(ParseResult parse)
    {
        double kps = parse.GetValue(Kps);
        int max = parse.GetValue(MaxFrames);
        if (!double.IsFinite(kps) || kps < 0) throw new ArgumentException($"--kps must be ≥ 0; got {kps}.");
        if (max < 1) throw new ArgumentException($"--max-frames must be at least 1; got {max}.");
        var o = new VideoReadOptions
        {
            Kps = kps == 0 ? null : kps,
            MaxFrames = max,
            StartSeconds = parse.GetValue(Start),
            ResizeMode = parse.GetValue(Pad) ? ResizeMode.Pad : ResizeMode.CenterCrop,
        };
        string? size = parse.GetValue(Size);
        if (!string.IsNullOrWhiteSpace(size))
        {
            var parts = size.ToLowerInvariant().Split('x');
            if (parts.Length == 1 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int side) && side > 0)
                o = o with { Width = side, Height = side, Square = true };
            else if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w) && w > 0
                     && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && h > 0)
                o = o with { Width = w, Height = h };
            else
                throw new ArgumentException($"--size must be N or WxH (for example 512 or 512x320); got '{size}'.");
        }
        try
        {
            o.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"invalid decode option: {e.Message}", e);
        }
        return o;
    }
}
