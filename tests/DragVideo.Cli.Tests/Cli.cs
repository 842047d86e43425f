using System.Diagnostics;
using DragVideo.Testing;

namespace DragVideo.Cli.Tests;

/// <summary>Runs the built <c>dragvideo</c> CLI as a process (what a user runs), capturing its exit code and output.</summary>
public static class Cli
{
    /// <summary>The CLI's dll in its own build output (built with this project, which references it).</summary>
    public static string Dll
    {
        get
        {
            string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
            string dll = Path.Combine(Fixtures.RepositoryRoot, "samples", "DragVideo.Cli", "bin", config, "net10.0", "dragvideo.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build samples/DragVideo.Cli first ({dll} is missing).", dll);
        }
    }

    /// <summary>The result of one run.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Non-empty stderr lines.</summary>
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Starts the CLI with <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    public static Process Start(string workingDirectory, params string[] args)
    {
        // A test run started in the background by a non-interactive shell inherits SIGINT as ignored, and .NET then keeps
        // it ignored in the child; coreutils' env restores the default so the Ctrl+C tests can interrupt the CLI there too.
        bool resetInterrupt = OperatingSystem.IsLinux() && File.Exists("/usr/bin/env");
        var psi = new ProcessStartInfo(resetInterrupt ? "/usr/bin/env" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        if (resetInterrupt)
        {
            psi.ArgumentList.Add("--default-signal=INT");
            psi.ArgumentList.Add("dotnet");
        }
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        return Process.Start(psi)!;
    }

    /// <summary>Runs the CLI to the end (at most 5 minutes).</summary>
    public static async Task<Result> RunAsync(string workingDirectory, params string[] args)
    {
        using var p = Start(workingDirectory, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(timeout.Token);
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Makes a test video with ffmpeg's test source.</summary>
    public static string MakeVideo(string folder, string name, int width, int height, int frames, int fps = 6)
    {
        string path = Path.Combine(folder, name);
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var a in new[] { "-loglevel", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate={fps}",
                     "-frames:v", frames.ToString(System.Globalization.CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p", "-movflags", "+faststart", path })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not make {name}: {err}");
        return path;
    }

    /// <summary>A drag request moving one point 4 px right on frame 0, with a circular mask.</summary>
    public static string MakeRequest(string folder, int width, int height)
    {
        string path = Path.Combine(folder, "request.json");
        int x = width / 2, y = height / 2;
        File.WriteAllText(path, $$$"""
            {"version":1,"keyframes":[{"frame":0,"pairs":[{"handle":{"x":{{{x}}},"y":{{{y}}} },"target":{"x":{{{x + 4}}},"y":{{{y}}} } }],
              "mask":{"shapes":[{"type":"ellipse","cx":{{{x}}},"cy":{{{y}}},"rx":12,"ry":12}]} } ]}
            """);
        return path;
    }
}
