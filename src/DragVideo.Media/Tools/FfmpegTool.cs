using System.ComponentModel;
using System.Runtime.InteropServices;

namespace DragVideo.Media;

/// <summary>
/// Finds Debian's <c>ffmpeg</c> / <c>ffprobe</c>: the environment variable <see cref="OverrideVariable"/> (a path to the
/// ffmpeg executable or to the folder holding both tools) wins; otherwise the tools are looked up on <c>PATH</c>.
/// </summary>
public static class FfmpegTool
{
    /// <summary>Environment variable naming the ffmpeg executable (ffprobe is taken from the same folder) or that folder.</summary>
    public const string OverrideVariable = "DRAGVIDEO_FFMPEG";

    /// <summary>Full path of <c>ffmpeg</c>.</summary>
    /// <exception cref="MediaToolMissingException">ffmpeg cannot be found.</exception>
    public static string FfmpegPath => Resolve("ffmpeg", Environment.GetEnvironmentVariable(OverrideVariable), Environment.GetEnvironmentVariable("PATH"));

    /// <summary>Full path of <c>ffprobe</c>.</summary>
    /// <exception cref="MediaToolMissingException">ffprobe cannot be found.</exception>
    public static string FfprobePath => Resolve("ffprobe", Environment.GetEnvironmentVariable(OverrideVariable), Environment.GetEnvironmentVariable("PATH"));

    /// <summary>Resolves <paramref name="tool"/> from an override value and a PATH value (testable without touching the environment).</summary>
    internal static string Resolve(string tool, string? overrideValue, string? pathValue)
    {
        string exe = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? tool + ".exe" : tool;
        if (!string.IsNullOrWhiteSpace(overrideValue))
        {
            string candidate = Directory.Exists(overrideValue)
                ? Path.Combine(overrideValue, exe)
                : tool == "ffmpeg" ? overrideValue : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(overrideValue)) ?? ".", exe);
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            string reason = $"{OverrideVariable}='{overrideValue}' does not lead to {exe} (looked for {candidate})";
            throw new MediaToolMissingException(tool, new FileNotFoundException(reason, candidate), reason);
        }
        foreach (string dir in (pathValue ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, exe);
            if (File.Exists(candidate)) return candidate;
        }
        throw new MediaToolMissingException(tool);
    }

    /// <summary>Starts a tool with arguments (no shell); start failures become <see cref="MediaToolMissingException"/>.</summary>
    internal static ToolProcess Start(string tool, IEnumerable<string> arguments, bool redirectInput, bool redirectOutput, CancellationToken cancellationToken)
    {
        string exe = tool == "ffmpeg" ? FfmpegPath : FfprobePath;
        try
        {
            return new ToolProcess(exe, arguments, redirectInput, redirectOutput, cancellationToken);
        }
        catch (Win32Exception e)
        {
            throw new MediaToolMissingException(tool, e, $"'{exe}' could not be started: {e.Message}");
        }
    }
}
