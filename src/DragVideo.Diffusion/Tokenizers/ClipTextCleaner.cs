using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DragVideo.Diffusion.Tokenizers;

/// <summary>
/// The text clean-up CLIP's tokenizer applies before BPE: <c>ftfy.fix_text</c>, <c>html.unescape</c> twice, whitespace
/// collapsing and lower-casing (openai/CLIP <c>simple_tokenizer.py</c>: <c>basic_clean</c> + <c>whitespace_clean</c>).
/// </summary>
/// <remarks>
/// The ftfy part re-implements ftfy 6.3's <c>fix_text</c> defaults, run in its order and repeated until the text stops
/// changing, per line: HTML entities (only when no <c>&lt;</c> has been seen), mojibake (<see cref="MojibakeFixer"/>),
/// C1 controls, Latin ligatures, full/half-width forms, curly quotes, line breaks, lone surrogates, terminal escapes,
/// invisible control characters, NFC. HTML5-only entity names are not decoded (see <see cref="PythonHtml"/>).
/// </remarks>
internal static partial class ClipTextCleaner
{
    /// <summary>Cleans and lower-cases <paramref name="text"/> exactly as CLIP's tokenizer does before splitting it.</summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = FixText(text);
        s = PythonHtml.Unescape(PythonHtml.Unescape(s));
        s = StripWhitespace(s);
        s = CollapseWhitespace(s);
        return PythonLower(s);
    }

    /// <summary>The subset of <c>ftfy.fix_text</c> described in the remarks.</summary>
    public static string FixText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        bool unescapeHtml = true;
        int pos = 0;
        while (pos < text.Length)
        {
            int br = text.IndexOf('\n', pos);
            int end = br < 0 ? text.Length : br + 1;
            string segment = text[pos..end];
            // ftfy's "auto" mode: a literal '<' means the text is HTML, so entities are kept (for this and later lines).
            if (segment.Contains('<')) unescapeHtml = false;
            sb.Append(FixSegment(segment, unescapeHtml));
            pos = end;
        }
        return sb.ToString();
    }

    private static string FixSegment(string text, bool unescapeHtml)
    {
        while (true)
        {
            string original = text;
            if (unescapeHtml) text = PythonHtml.UnescapeStrict(text);
            text = MojibakeFixer.FixEncoding(text);
            text = MojibakeFixer.FixC1Controls(text);
            text = FixLatinLigatures(text);
            text = FixCharacterWidth(text);
            text = UncurlQuotes(text);
            text = FixLineBreaks(text);
            text = FixSurrogates(text);
            text = TerminalEscape().Replace(text, string.Empty);
            text = RemoveControlChars(text);
            text = text.Normalize(NormalizationForm.FormC);
            if (text == original) return text;
        }
    }

    // ---- character-level fixes -------------------------------------------------------------------------------------

    private static readonly Dictionary<char, string> Ligatures = new()
    {
        ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn",
        ['\u01F1'] = "DZ", ['\u01F2'] = "Dz", ['\u01F3'] = "dz",
        ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
        ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj",
        ['\u01CA'] = "NJ", ['\u01CB'] = "Nj", ['\u01CC'] = "nj",
        ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi", ['\uFB04'] = "ffl",
        ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
    };

    private static string FixLatinLigatures(string text) => MapChars(text, c => Ligatures.TryGetValue(c, out var s) ? s : null);

    /// <summary>Full-width ASCII, half-width katakana/Hangul (U+FF01–U+FFEF) → their NFKC form; U+3000 → space.</summary>
    private static string FixCharacterWidth(string text) => MapChars(text, c =>
    {
        if (c == '\u3000') return " ";
        if (c is < '\uFF01' or > '\uFFEF') return null;
        string alt = c.ToString().Normalize(NormalizationForm.FormKC);
        return alt == c.ToString() ? null : alt;
    });

    private static string UncurlQuotes(string text) => MapChars(text, c => c switch
    {
        '\u02BC' or (>= '\u2018' and <= '\u201B') => "'",
        >= '\u201C' and <= '\u201F' => "\"",
        _ => null,
    });

    private static string FixLineBreaks(string text) =>
        text.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n').Replace('\u0085', '\n');

    private static string FixSurrogates(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                sb ??= new StringBuilder(text[..i]);
                sb.Append('\uFFFD');
                continue;
            }
            sb?.Append(c);
        }
        return sb?.ToString() ?? text;
    }

    private static bool IsRemovedControl(char c) =>
        c is <= '\u0008' or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F' or (>= '\u206A' and <= '\u206F')
            or '\uFEFF' or (>= '\uFFF9' and <= '\uFFFC');

    private static string RemoveControlChars(string text) => MapChars(text, c => IsRemovedControl(c) ? string.Empty : null);

    private static string MapChars(string text, Func<char, string?> map)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            string? r = map(text[i]);
            if (r is null)
            {
                sb?.Append(text[i]);
                continue;
            }
            sb ??= new StringBuilder(text[..i]);
            sb.Append(r);
        }
        return sb?.ToString() ?? text;
    }

    [GeneratedRegex("\u001b\\[((?:\\d|;)*)([a-zA-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex TerminalEscape();

    // ---- whitespace and case ---------------------------------------------------------------------------------------

    /// <summary>Python's whitespace (<c>str.isspace</c>; the Unicode White_Space property plus U+001C–U+001F).</summary>
    internal static bool IsPythonWhitespace(int cp) =>
        cp is (>= 0x09 and <= 0x0D) or (>= 0x1C and <= 0x20) or 0x85 or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A)
            or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;

    private static string StripWhitespace(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsPythonWhitespace(s[start])) start++;
        while (end > start && IsPythonWhitespace(s[end - 1])) end--;
        return s[start..end];
    }

    private static string CollapseWhitespace(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool inSpace = false;
        foreach (char c in s)
        {
            if (IsPythonWhitespace(c))
            {
                if (!inSpace) sb.Append(' ');
                inSpace = true;
            }
            else
            {
                sb.Append(c);
                inSpace = false;
            }
        }
        return StripWhitespace(sb.ToString());
    }

    /// <summary>
    /// Python's <c>str.lower()</c>: simple lower-case mapping plus the two context rules Python applies (İ → i̇, and
    /// a word-final capital sigma → ς).
    /// </summary>
    internal static string PythonLower(string s)
    {
        var sb = new StringBuilder(s.Length);
        var runes = s.EnumerateRunes().ToArray();
        for (int i = 0; i < runes.Length; i++)
        {
            var r = runes[i];
            if (r.Value == 0x0130)
            {
                sb.Append("i\u0307");
                continue;
            }
            if (r.Value == 0x03A3)
            {
                sb.Append(IsFinalSigma(runes, i) ? '\u03C2' : '\u03C3');
                continue;
            }
            sb.Append(Rune.ToLowerInvariant(r).ToString());
        }
        return sb.ToString();
    }

    private static bool IsFinalSigma(Rune[] runes, int i)
    {
        int j = i - 1;
        while (j >= 0 && IsCaseIgnorable(runes[j])) j--;
        if (j < 0 || !IsCased(runes[j])) return false;
        int k = i + 1;
        while (k < runes.Length && IsCaseIgnorable(runes[k])) k++;
        return k >= runes.Length || !IsCased(runes[k]);
    }

    private static bool IsCased(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || r.Value is '\'' or '.' or ':' or '\u00B7' or '\u2019';
}
