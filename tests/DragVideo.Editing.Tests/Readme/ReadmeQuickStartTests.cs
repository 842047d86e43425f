using DragVideo;
using DragVideo.Media;
using Microsoft.Extensions.DependencyInjection;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Readme;

/// <summary>The README's C# quick start, run as written (fast backend: no model path), on a real textured mp4.</summary>
public class ReadmeQuickStartTests
{
    [Fact]
    public async Task Readme_quick_start_edits_a_video_and_writes_the_result()
    {
        string dir = Directory.CreateTempSubdirectory("dragvideo-readme-").FullName;
        try
        {
            string input = Path.Combine(dir, "input.mp4");
            TorchRuntime.EnsureLoaded();
            using (var source = TexturedClip(frames: 12, size: 256)) VideoWriter.WriteMp4(source, input);

            // --- README quick start, verbatim apart from absolute file names (tests run in parallel, so no working-directory change) ---
            using var clip = VideoReader.Read(input, new VideoReadOptions { Kps = 6, MaxFrames = 12, Width = 256, Height = 256 });
            var request = new DragRequest(new[]
            {
                new KeyframeDrag(0, new[] { new DragPair(new DragPoint(120, 96), new DragPoint(150, 96)) }),
                new KeyframeDrag(clip.FrameCount - 1, new[] { new DragPair(new DragPoint(128, 100), new DragPoint(158, 100)) }),
            });
            using var services = new ServiceCollection().AddDragVideo(o => { }).Services.BuildServiceProvider();
            var editor = services.GetRequiredService<IVideoDragEditor>();
            var lines = new List<string>();
            double change = 0;
            int frames = 0, instructed = 0;
            await foreach (var update in editor.EditStreamingAsync(clip, request))
            {
                lines.Add(update.Progress.ToString());
                if (update.Result is { } result)
                    using (result)
                    {
                        VideoWriter.WriteMp4(result.EditedClip, Path.Combine(dir, "edited.mp4"));
                        (change, frames, instructed) = (TensorDiff(result.EditedClip.Frames, clip.Frames), result.EditedClip.FrameCount, result.Instruction.Frames.Count);
                    }
            }
            // --- end of quick start ---

            File.Exists(Path.Combine(dir, "edited.mp4")).Should().BeTrue();
            frames.Should().Be(clip.FrameCount);
            instructed.Should().Be(clip.FrameCount);
            lines[^1].Should().StartWith("Completed", "the last update carries the result and is the last report");
            lines.Should().Contain(l => l.StartsWith("Propagation 1/1 ", StringComparison.Ordinal) && l.Contains(" px", StringComparison.Ordinal),
                "the fast backend reports the drag distance after propagating");
            lines.Select(l => Enum.Parse<EditStage>(l[..l.IndexOf(' ', StringComparison.Ordinal)])).Should().BeInAscendingOrder();
            change.Should().BeGreaterThan(1e-3, "the drag changed the frames");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double TensorDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().mean();
        return d.item<float>();
    }

    /// <summary>A textured pattern drifting right by 1 px per frame (not flat colour).</summary>
    private static VideoClip TexturedClip(int frames, int size)
    {
        using var scope = NewDisposeScope();
        var ys = arange(size, dtype: ScalarType.Float32).view(size, 1);
        var list = new List<Tensor>();
        for (int f = 0; f < frames; f++)
        {
            var xs = (arange(size, dtype: ScalarType.Float32) - f).view(1, size);
            var r = (xs * 0.21f).sin() * (ys * 0.13f).cos() * 0.5f + 0.5f;
            var g = (xs * 0.07f + ys * 0.11f).sin() * 0.5f + 0.5f;
            var bl = ((xs - 128) * (xs - 128) + (ys - 100) * (ys - 100)).lt(40 * 40).to_type(ScalarType.Float32) * 0.6f + 0.2f;
            list.Add(stack(new[] { r, g, bl }));
        }
        return new VideoClip(stack(list).MoveToOuterDisposeScope(), 6);
    }


}
