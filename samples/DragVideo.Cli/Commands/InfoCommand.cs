using System.CommandLine;
using System.Globalization;
using DragVideo.Media;

namespace DragVideo.Cli.Commands;

/// <summary><c>dragvideo info &lt;video&gt;</c>: size, frame rate, frame count and duration of a video (via ffprobe).</summary>
internal sealed class InfoCommand : ICliCommand
{
    public Command Build()
    {
        var video = new Argument<string>("video") { Description = "Video file (any format ffmpeg reads)." };
        var command = new Command("info", "Show a video's size, fps, frame count and duration.") { video };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, () =>
        {
            string path = parse.GetValue(video)!;
            var info = MediaProbe.Probe(path, ct);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(path);
            Console.WriteLine(string.Create(inv, $"  size      {info.Width}x{info.Height}"));
            Console.WriteLine(string.Create(inv, $"  fps       {info.Fps:0.###}"));
            Console.WriteLine(string.Create(inv, $"  frames    {info.FrameCount}"));
            Console.WriteLine(string.Create(inv, $"  duration  {info.DurationSeconds:0.###} s"));
            Console.WriteLine($"  codec     {info.Codec} ({info.Container})");
            return Task.FromResult(0);
        }));
        return command;
    }
}
