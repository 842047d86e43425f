namespace DragVideo.Studio.Clips;

/// <summary>
/// The videos offered from the folder given with <c>--videos</c>: regular files (no links, no sub-folders) with a video
/// extension. A pick is resolved by matching the name against a fresh listing, so a client-sent name never becomes a
/// path of its own.
/// </summary>
public sealed class VideoLibrary
{
    /// <summary>File extensions offered (lower case).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".gif", ".ogv",
    };

    private readonly string? _folder;

    /// <summary>Creates the library over <paramref name="folder"/> (null = no library).</summary>
    public VideoLibrary(string? folder) => _folder = folder;

    /// <summary>True when a folder was configured.</summary>
    public bool IsEnabled => _folder is not null;

    /// <summary>The offered files, by name (ordinal order) with their sizes.</summary>
    public IReadOnlyList<(string Name, long Bytes, string FullPath)> List()
    {
        if (_folder is null || !Directory.Exists(_folder)) return Array.Empty<(string, long, string)>();
        return new DirectoryInfo(_folder).EnumerateFiles("*", new EnumerationOptions
            {
                RecurseSubdirectories = false,
                IgnoreInaccessible = true,
                AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.ReparsePoint,
            })
            .Where(f => f.LinkTarget is null && Extensions.Contains(f.Extension))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => (f.Name, f.Length, f.FullName))
            .ToList();
    }

    /// <summary>The full path of the offered file named exactly <paramref name="name"/>, or null.</summary>
    public string? Resolve(string? name) =>
        string.IsNullOrEmpty(name) ? null : List().Where(f => string.Equals(f.Name, name, StringComparison.Ordinal))
            .Select(f => f.FullPath).FirstOrDefault();
}
