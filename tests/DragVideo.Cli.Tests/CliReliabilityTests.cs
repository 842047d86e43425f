using System.Diagnostics;
using DragVideo.Testing;

namespace DragVideo.Cli.Tests;

/// <summary>The CLI faults of docs/reliability.md, run as a user runs them: the built CLI in a process.</summary>
public class CliReliabilityTests
{
    [Fact]
    public async Task A_video_too_large_for_memory_is_refused_before_decoding_with_one_line_naming_the_options()
    {
        using var tmp = new TempDir();
        string video = Cli.MakeVideo(tmp.Path, "huge.mp4", 4000, 3000, 3);
        string request = Cli.MakeRequest(tmp.Path, 4000, 3000);
        var watch = Stopwatch.StartNew();
        var r = await Cli.RunAsync(tmp.Path, "edit", video, "--excerpt", "--drag", request, "--out", tmp.File("out.mp4"), "--max-memory-mb", "8192");
        r.ExitCode.Should().Be(2, r.Stderr);
        r.ErrorLines.Should().ContainSingle().Which.Should().Contain("3 frames of 4000×3000").And.Contain("--size").And.Contain("--max-memory-mb");
        File.Exists(tmp.File("out.mp4")).Should().BeFalse();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(2), "nothing is decoded or edited");

        // The default full-rate path streams, so the same video needs far less; a budget below its estimate is refused
        // just as early, naming the options that change it.
        var full = await Cli.RunAsync(tmp.Path, "edit", video, "--drag", request, "--out", tmp.File("out.mp4"), "--max-memory-mb", "300");
        full.ExitCode.Should().Be(2, full.Stderr);
        full.ErrorLines.Should().ContainSingle().Which.Should().Contain("3 frames of 4000×3000").And.Contain("--keyframe-rate").And.Contain("--max-memory-mb");
        File.Exists(tmp.File("out.mp4")).Should().BeFalse();
    }

    [Fact]
    public async Task An_out_path_that_is_a_symbolic_link_is_refused_up_front_and_stays_a_link()
    {
        using var tmp = new TempDir();
        string link = tmp.File("edited.mp4");
        File.CreateSymbolicLink(link, "/dev/full");
        var r = await Cli.RunAsync(tmp.Path, "edit", Cli.MakeVideo(tmp.Path, "v.mp4", 64, 64, 4), "--drag", Cli.MakeRequest(tmp.Path, 64, 64), "--out", link);
        r.ExitCode.Should().Be(2, r.Stderr);
        r.ErrorLines.Should().ContainSingle().Which.Should().Contain("symbolic link");
        new FileInfo(link).LinkTarget.Should().Be("/dev/full");
    }

    [TmpfsFact]
    public async Task A_full_disk_fails_edit_with_the_reason_and_leaves_the_previous_output_untouched()
    {
        using var tmp = new TempDir();
        string video = Cli.MakeVideo(tmp.Path, "v.mp4", 256, 256, 12);
        string request = Cli.MakeRequest(tmp.Path, 256, 256);
        using var disk = TmpfsMount.Mount(8L << 20);
        string target = Path.Combine(disk.Path, "edited.mp4");
        File.WriteAllText(target, "previous good output");
        disk.Fill(leaveBytes: 8 * 1024);

        var r = await Cli.RunAsync(tmp.Path, "edit", video, "--drag", request, "--out", target);
        r.ExitCode.Should().NotBe(0);
        r.Stdout.Should().NotContain("wrote");
        r.ErrorLines.Should().ContainSingle().Which.Should().StartWith("error:");
        File.ReadAllText(target).Should().Be("previous good output");
        Directory.GetFileSystemEntries(disk.Path).Select(f => Path.GetFileName(f)).Should().BeEquivalentTo("edited.mp4", "filler.bin");
    }

    [Fact]
    public async Task Preview_with_out_naming_an_existing_file_fails_before_decoding_with_one_line()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("taken"), "x");
        var r = await Cli.RunAsync(tmp.Path, "preview", Cli.MakeVideo(tmp.Path, "v.mp4", 64, 64, 4), "--drag", Cli.MakeRequest(tmp.Path, 64, 64), "--out", tmp.File("taken"));
        r.ExitCode.Should().Be(2, r.Stderr);
        r.ErrorLines.Should().ContainSingle().Which.Should().Contain("is a file");
        r.Stdout.Should().NotContain("decoded");
        File.ReadAllText(tmp.File("taken")).Should().Be("x");
    }

    [Theory]
    [InlineData("--size", "100000", "--size")]
    [InlineData("--start", "-5", "--start")]
    [InlineData("--max-frames", "0", "--max-frames")]
    public async Task A_bad_decode_option_prints_exactly_one_line_naming_it(string option, string value, string named)
    {
        using var tmp = new TempDir();
        var r = await Cli.RunAsync(tmp.Path, "preview", Cli.MakeVideo(tmp.Path, "v.mp4", 64, 64, 4), "--drag", Cli.MakeRequest(tmp.Path, 64, 64),
            "--out", tmp.File("o"), option, value);
        r.ExitCode.Should().Be(2);
        r.ErrorLines.Should().ContainSingle().Which.Should().StartWith("error:").And.Contain(named);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    public async Task Demo_bench_with_a_non_positive_run_count_is_refused(string runs)
    {
        using var tmp = new TempDir();
        var r = await Cli.RunAsync(tmp.Path, "demo", "--bench", runs);
        r.ExitCode.Should().Be(2);
        r.ErrorLines.Should().ContainSingle().Which.Should().Contain("--bench");
        Directory.Exists(tmp.File("dragvideo-demo")).Should().BeFalse("a refused bench writes nothing");
    }

    [Fact]
    public async Task Edit_accepts_allow_pickle_and_says_it_only_applies_to_the_diffusion_backend()
    {
        using var tmp = new TempDir();
        var r = await Cli.RunAsync(tmp.Path, "edit", Cli.MakeVideo(tmp.Path, "v.mp4", 64, 64, 4), "--drag", Cli.MakeRequest(tmp.Path, 64, 64),
            "--out", tmp.File("o.mp4"), "--allow-pickle");
        r.ExitCode.Should().Be(2);
        r.ErrorLines.Should().ContainSingle().Which.Should().Contain("--allow-pickle only applies to the diffusion backend");
    }

    [Fact]
    public async Task A_truncated_video_is_edited_with_a_warning_that_frames_are_missing()
    {
        using var tmp = new TempDir();
        string whole = Cli.MakeVideo(tmp.Path, "whole.mp4", 64, 64, 40, fps: 10);
        var bytes = File.ReadAllBytes(whole);
        string cut = tmp.File("cut.mp4");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var r = await Cli.RunAsync(tmp.Path, "preview", cut, "--drag", Cli.MakeRequest(tmp.Path, 64, 64), "--out", tmp.File("p"),
            "--kps", "0", "--max-frames", "40");
        r.ExitCode.Should().Be(0, r.Stderr);
        r.ErrorLines.Should().ContainSingle().Which.Should().Contain("header promises 40").And.Contain("truncated");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Ctrl_c_during_the_demo_leaves_no_output_and_no_temporary_file()
    {
        using var tmp = new TempDir();
        string outDir = tmp.File("demo-out");
        using var p = Cli.Start(tmp.Path, "demo", "--out", outDir, "--frames", "64");
        var stderr = p.StandardError.ReadToEndAsync();
        // Interrupt once the clip is built and the edit has started.
        string? line;
        while ((line = await p.StandardOutput.ReadLineAsync()) is not null && !line.Contains("DragVideo demo", StringComparison.Ordinal)) { }
        line.Should().NotBeNull("the demo prints its banner before editing");
        // Soon after the banner, not late in the edit: on a loaded machine this thread can be starved for seconds, and
        // an interrupt that lands after the demo's last cancellation check correctly lets it finish with exit code 0.
        await Task.Delay(300);
        p.HasExited.Should().BeFalse("a 64-frame demo edit takes longer than 0.3 s");
        using (var kill = Process.Start("kill", new[] { "-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!) await kill.WaitForExitAsync();
        var rest = p.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        await rest;
        p.ExitCode.Should().Be(130, await stderr);
        Directory.Exists(outDir).Should().BeFalse("the folder the demo created is removed with its staging folder");
        Directory.GetFileSystemEntries(tmp.Path, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }
}
