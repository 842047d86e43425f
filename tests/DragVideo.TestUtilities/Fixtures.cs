using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Testing;

/// <summary>Locates the golden fixtures in <c>../shared/fixtures</c> relative to the repository root.</summary>
public static class Fixtures
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The repository root (the folder holding DragVideo.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DragVideo.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("DragVideo.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Absolute path of <c>../shared/fixtures</c>; throws (never skips) when it is missing.</summary>
    public static string Root => RootLazy.Value;

    /// <summary>Path of a file or folder inside the fixtures.</summary>
    public static string PathOf(params string[] parts)
    {
        var p = Path.Combine(new[] { Root }.Concat(parts).ToArray());
        if (!File.Exists(p) && !Directory.Exists(p))
            throw new FileNotFoundException($"Golden fixture '{Path.Combine(parts)}' is missing under {Root}.", p);
        return p;
    }

    private static string FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("DRAGVIDEO_FIXTURES");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return Path.GetFullPath(env);
        var root = RepositoryRoot;
        var candidate = Path.GetFullPath(Path.Combine(root, "..", "shared", "fixtures"));
        if (!Directory.Exists(candidate))
            throw new DirectoryNotFoundException(
                $"The golden fixtures folder was not found at {candidate} (expected ../shared/fixtures next to the repository). " +
                "Parity tests cannot run without it; set DRAGVIDEO_FIXTURES to its location.");
        return candidate;
    }
}
