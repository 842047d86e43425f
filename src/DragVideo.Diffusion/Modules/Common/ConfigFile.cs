namespace DragVideo.Diffusion.Modules.Common;

/// <summary>Reads a model configuration file (diffusers / transformers <c>config.json</c>) for the config records.</summary>
internal static class ConfigFile
{
    /// <summary>
    /// Returns the file's text; a missing or unreadable file becomes a <see cref="ModelLoadException"/> saying which
    /// configuration (<paramref name="what"/>) could not be read.
    /// </summary>
    public static string ReadText(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"Cannot read the {what}: {e.Message}", path, e);
        }
    }
}
