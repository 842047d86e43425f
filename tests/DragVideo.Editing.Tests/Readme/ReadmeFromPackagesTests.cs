using System.Diagnostics;
using System.Text.RegularExpressions;
using DragVideo.Media;

namespace DragVideo.Editing.Tests.Readme;

/// <summary>
/// The README quick start as a new user meets it: the libraries are packed to a local folder feed, a fresh console app
/// is created outside the repository by running the README's shell block verbatim; its <c>Program.cs</c> is first the
/// README's full-rate C# block verbatim, run on a real clip at its own size (OpenCV's vtest.avi, pedestrians, 768×576),
/// then the working-excerpt block verbatim, run on a 256×256 excerpt of the same clip.
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class ReadmeFromPackagesTests
{
    [Fact]
    public async Task Readme_quick_start_builds_from_packed_packages_and_edits_a_real_clip_with_ordered_progress()
    {
        string repo = Fixtures.RepositoryRoot;
        string readme = await File.ReadAllTextAsync(Path.Combine(repo, "README.md"));
        int quickStart = readme.IndexOf("## Quick start (C#)", StringComparison.Ordinal);
        quickStart.Should().BeGreaterThan(0, "the README has a quick start");
        string shell = CodeBlock(readme, "bash", quickStart);
        string fullRate = CodeBlock(readme, "csharp", quickStart);
        int excerptSection = readme.IndexOf("### The working excerpt", quickStart, StringComparison.Ordinal);
        excerptSection.Should().BeGreaterThan(0, "the quick start shows the working-excerpt mode too");
        string excerpt = CodeBlock(readme, "csharp", excerptSection);

        using var work = new TempFolder("dragvideo-readme-packages-");
        string feed = Directory.CreateDirectory(Path.Combine(work.Path, "feed")).FullName;
        foreach (var project in new[] { "Abstractions", "Diffusion", "Tracking", "Fast", "Editing", "Media" })
            await Run(repo, null, "dotnet", "pack", $"src/DragVideo.{project}/DragVideo.{project}.csproj", "-c", "Release", "-o", feed);

        // The new user's machine: the local feed next to the configured sources, and a package cache of this test's own
        // so the freshly packed 0.1.0 packages are read, not stale copies from an earlier run.
        await File.WriteAllTextAsync(Path.Combine(work.Path, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><add key="dragvideo-local" value="{feed}" /></packageSources>
            </configuration>
            """);
        var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(work.Path, "packages-cache") };
        foreach (var (name, value) in SharedPackageFallback()) env[name] = value;
        await Run(work.Path, env, "bash", "-euo", "pipefail", "-c", shell);

        string app = Path.Combine(work.Path, "DragDemo");
        string vtest = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

        // 1. The full-rate path: the whole clip at its size and rate.
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), fullRate);
        await Run(app, null, "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", vtest, "-frames:v", "40", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", "input.mp4");
        string fullOutput = await Run(app, env, "dotnet", "run", "-c", "Release");
        var written = MediaProbe.Probe(Path.Combine(app, "edited.mp4"));
        (written.Width, written.Height, written.FrameCount).Should().Be((768, 576, 40), "the full-rate path keeps the video's size and length");
        fullOutput.Should().Contain("40 frames 768×576");
        var fullStages = ProgressLine().Matches(fullOutput).Select(m => Enum.Parse<EditStage>(m.Groups["stage"].Value)).ToList();
        // Progress<T> posts to the thread pool in a console app, so only what was reported is checked, not the order.
        fullStages.Should().Contain(EditStage.Warping).And.Contain(EditStage.Completed);

        // 2. The working excerpt (the paper's setting), through the DI container.
        File.Delete(Path.Combine(app, "edited.mp4"));
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), excerpt);
        TorchRuntime.EnsureLoaded();
        using (var real = VideoReader.Read(vtest, new VideoReadOptions { Kps = 6, MaxFrames = 12, Width = 256, Height = 256 }))
            VideoWriter.WriteMp4(real, Path.Combine(app, "input.mp4"));

        string output = await Run(app, env, "dotnet", "run", "-c", "Release");

        File.Exists(Path.Combine(app, "edited.mp4")).Should().BeTrue("the quick start writes edited.mp4");
        var stages = ProgressLine().Matches(output).Select(m => Enum.Parse<EditStage>(m.Groups["stage"].Value)).ToList();
        stages.Should().NotBeEmpty().And.BeInAscendingOrder("EditStreamingAsync yields reports in the editor's order");
        stages[^1].Should().Be(EditStage.Completed);
        output.Should().MatchRegex(@"Propagation 1/1 \d+\.\d px", "the fast backend reports the drag distance");
        output.Should().NotMatchRegex(@"\d+/\d+\s+px", "no line prints a blank distance");
    }

    private static string CodeBlock(string markdown, string language, int from)
    {
        string fence = "```" + language + "\n";
        int start = markdown.IndexOf(fence, from, StringComparison.Ordinal);
        start.Should().BeGreaterThan(0, $"the quick start has a {language} block");
        start += fence.Length;
        int end = markdown.IndexOf("```", start, StringComparison.Ordinal);
        return markdown[start..end];
    }

    /// <summary>
    /// Packages the test machine already has (TorchSharp, LibTorch, Microsoft.Extensions.*) are offered as a fallback
    /// folder, so the test does not download gigabytes of LibTorch again; the DragVideo packages still come from the feed.
    /// </summary>
    private static IEnumerable<(string, string)> SharedPackageFallback()
    {
        string global = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (Directory.Exists(global)) yield return ("NUGET_FALLBACK_PACKAGES", global);
    }

    private static async Task<string> Run(string directory, IReadOnlyDictionary<string, string>? env, string file, params string[] arguments)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(timeout.Token);
        string output = await stdout, errors = await stderr;
        process.ExitCode.Should().Be(0, $"`{file} {string.Join(' ', arguments)}` in {directory} failed:\n{output}\n{errors}");
        return output;
    }

    [GeneratedRegex(@"^(?<stage>[A-Za-z]+) \d+/\d+", RegexOptions.Multiline)]
    private static partial Regex ProgressLine();
}
