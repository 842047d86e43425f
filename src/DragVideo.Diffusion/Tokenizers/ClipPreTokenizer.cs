using System.Globalization;
using System.Text;

namespace DragVideo.Diffusion.Tokenizers;

/// <summary>
/// Splits cleaned, lower-cased text into words like CLIP's pattern
/// <c>&lt;|startoftext|&gt;|&lt;|endoftext|&gt;|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+</c>
/// (leftmost alternative wins at each position; whitespace separates and is dropped). Works on code points, so letters
/// outside the Basic Multilingual Plane count as letters as they do in Python.
/// </summary>
internal static class ClipPreTokenizer
{
    private static readonly string[] Specials = { "<|startoftext|>", "<|endoftext|>" };
    private static readonly string[] Contractions = { "'s", "'t", "'re", "'ve", "'m", "'ll", "'d" };

    /// <summary>The words of <paramref name="text"/>, in order.</summary>
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            var rune = Rune.GetRuneAt(text, i);
            if (ClipTextCleaner.IsPythonWhitespace(rune.Value))
            {
                i += rune.Utf16SequenceLength;
                continue;
            }
            int len = MatchAt(text, i);
            words.Add(text.Substring(i, len));
            i += len;
        }
        return words;
    }

    private static int MatchAt(string text, int i)
    {
        foreach (var s in Specials)
            if (i + s.Length <= text.Length && string.CompareOrdinal(text, i, s, 0, s.Length) == 0) return s.Length;
        foreach (var c in Contractions)
            if (i + c.Length <= text.Length && string.Compare(text, i, c, 0, c.Length, StringComparison.OrdinalIgnoreCase) == 0)
                return c.Length;
        var first = Rune.GetRuneAt(text, i);
        if (IsLetter(first))
        {
            int j = i;
            while (j < text.Length)
            {
                var r = Rune.GetRuneAt(text, j);
                if (!IsLetter(r)) break;
                j += r.Utf16SequenceLength;
            }
            return j - i;
        }
        if (IsNumber(first)) return first.Utf16SequenceLength;
        int k = i;
        while (k < text.Length)
        {
            var r = Rune.GetRuneAt(text, k);
            if (IsLetter(r) || IsNumber(r) || ClipTextCleaner.IsPythonWhitespace(r.Value)) break;
            k += r.Utf16SequenceLength;
        }
        return k - i;
    }

    private static bool IsLetter(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
        or UnicodeCategory.OtherLetter;

    private static bool IsNumber(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
}
