using System.CommandLine;
using System.Globalization;
using DragVideo.Media;

namespace DragVideo.Cli.Commands;

/// <summary>
/// The decode options shared by commands that read a video: <c>--kps</c>, <c>--max-frames</c>, <c>--start</c>,
/// <c>--size</c> (<c>512</c> = square 512×512, <c>512x320</c> = width×height), <c>--pad</c> and <c>--max-memory-mb</c>.
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

    public Option<int?> MaxMemory { get; } = new("--max-memory-mb")
    {
        Description = "Memory budget in MiB for decoding and editing; larger videos are refused before decoding (default: half of this machine's memory).",
    };

    /// <summary>The memory budget in bytes: <c>--max-memory-mb</c> or <see cref="MemoryPlan.DefaultBudget"/>.</summary>
    public long Budget(ParseResult parse)
    {
        if (parse.GetValue(MaxMemory) is not int mb) return MemoryPlan.DefaultBudget;
        if (mb < 64) throw new ArgumentException($"--max-memory-mb must be at least 64; got {mb}.");
        return mb * (1L << 20);
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Kps);
        command.Options.Add(MaxFrames);
        command.Options.Add(Start);
        command.Options.Add(Size);
        command.Options.Add(Pad);
        command.Options.Add(MaxMemory);
    }

    /// <summary>Builds the reader options; bad values throw <see cref="ArgumentException"/> naming the option.</summary>
    public VideoReadOptions Read(ParseResult parse)
    {
        double kps = parse.GetValue(Kps);
        int max = parse.GetValue(MaxFrames);
        if (!double.IsFinite(kps) || kps < 0) throw new ArgumentException($"--kps must be ≥ 0; got {kps}.");
        if (max < 1) throw new ArgumentException($"--max-frames must be at least 1; got {max}.");
        double start = parse.GetValue(Start);
        if (!double.IsFinite(start) || start < 0) throw new ArgumentException($"--start must be a number of seconds ≥ 0; got {start.ToString(CultureInfo.InvariantCulture)}.");
        var o = new VideoReadOptions
        {
            Kps = kps == 0 ? null : kps,
            MaxFrames = max,
            StartSeconds = start,
            ResizeMode = parse.GetValue(Pad) ? ResizeMode.Pad : ResizeMode.CenterCrop,
            MaxDecodedBytes = Budget(parse),
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
            if (o.Width > VideoReadOptions.MaxSide || o.Height > VideoReadOptions.MaxSide)
                throw new ArgumentException($"--size must be at most {VideoReadOptions.MaxSide} pixels a side; got '{size}'.");
        }
        try
        {
            o.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            // One line, as every CLI error: the option's message without .NET's "(Parameter …) Actual value was …" lines.
            throw new ArgumentException($"invalid decode option {e.ParamName}: {e.Message.Split('\n')[0].Split(" (Parameter")[0]}", e);
        }
        return o;
    }
}
