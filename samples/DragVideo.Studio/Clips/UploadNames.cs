using System.Text;

namespace DragVideo.Studio.Clips;

/// <summary>
/// Turns a client-supplied file name into a label for display only. The label is never used to build a path: stored
/// files are named by server-generated ids.
/// </summary>
public static class UploadNames
{
    /// <summary>Longest label kept, in characters.</summary>
    public const int MaxLength = 80;

    /// <summary>
    /// The last path segment of <paramref name="fileName"/> (either slash), without control or format characters,
    /// whitespace collapsed, at most <see cref="MaxLength"/> characters; "upload" when nothing printable is left.
    /// </summary>
    public static string ToDisplayName(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName)) return "upload";
        string last = fileName.Replace('\\', '/');
        int slash = last.LastIndexOf('/');
        if (slash >= 0) last = last[(slash + 1)..];
        var sb = new StringBuilder(Math.Min(last.Length, MaxLength));
        bool space = false;
        foreach (var rune in last.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune)) // before the control check: a tab is both
            {
                space = sb.Length > 0;
                continue;
            }
            var cat = Rune.GetUnicodeCategory(rune);
            if (cat is System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
                or System.Globalization.UnicodeCategory.Surrogate or System.Globalization.UnicodeCategory.PrivateUse
                or System.Globalization.UnicodeCategory.OtherNotAssigned)
                continue;
            if (space) { sb.Append(' '); space = false; }
            if (sb.Length + rune.Utf16SequenceLength > MaxLength) break;
            sb.Append(rune.ToString());
        }
        string s = sb.ToString().Trim('.', ' ');
        return s.Length == 0 ? "upload" : s;
    }
}
