using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DragVideo.Diffusion.Tokenizers;

/// <summary>
/// HTML character-reference decoding with the behaviour of Python's <c>html.unescape</c> (which CLIP's tokenizer applies
/// twice) and of ftfy's stricter <c>unescape_html</c> (named references only when they end in a semicolon, plus
/// upper-cased Latin names such as <c>&amp;EACUTE;</c>), both over the full HTML5 entity table.
/// </summary>
internal static partial class PythonHtml
{
    [GeneratedRegex(@"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)", RegexOptions.CultureInvariant)]
    private static partial Regex CharRefRegex();

    [GeneratedRegex(@"&#?[0-9A-Za-z]{1,24};", RegexOptions.CultureInvariant)]
    private static partial Regex StrictEntityRegex();

    /// <summary>Python's <c>html.unescape(s)</c>.</summary>
    public static string Unescape(string s)
    {
        if (!s.Contains('&')) return s;
        return CharRefRegex().Replace(s, m => ReplaceCharRef(m.Groups[1].Value));
    }

    /// <summary>ftfy's <c>unescape_html</c>: only complete, semicolon-terminated references.</summary>
    public static string UnescapeStrict(string s)
    {
        if (!s.Contains('&')) return s;
        return StrictEntityRegex().Replace(s, m =>
        {
            string text = m.Value;
            if (text.StartsWith("&#", StringComparison.Ordinal))
            {
                string decoded = ReplaceCharRef(text[1..]);
                return decoded.Contains(';') ? text : decoded;
            }
            string name = text[1..];
            if (Html5Entities.TryGet(name, out var value)) return value;
            // Upper-cased versions of lower-case names, when the upper-case spelling is not an entity of its own.
            string lower = name.ToLowerInvariant();
            if (name == name.ToUpperInvariant() && Html5Entities.TryGet(lower, out var lv) && Unescape(text) == text)
                return lv.ToUpperInvariant();
            return text;
        });
    }

    private static string ReplaceCharRef(string s)
    {
        if (s[0] == '#')
        {
            string digits = s.TrimEnd(';');
            bool hex = digits.Length > 1 && (digits[1] == 'x' || digits[1] == 'X');
            bool ok = hex
                ? long.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long num)
                : long.TryParse(digits.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out num);
            if (!ok || num < 0) return "\uFFFD"; // larger than any code point
            if (InvalidCharRef(num, out var replacement)) return replacement;
            if (num is >= 0xD800 and <= 0xDFFF || num > 0x10FFFF) return "\uFFFD";
            if (IsInvalidCodePoint(num)) return string.Empty;
            return char.ConvertFromUtf32((int)num);
        }
        if (Html5Entities.TryGet(s, out var named)) return named;
        // The longest legacy (semicolon-less) name that prefixes the text, as the HTML5 tokenizer does.
        for (int x = s.Length - 1; x > 1; x--)
        {
            if (Html5Entities.TryGet(s[..x], out var v)) return v + s[x..];
        }
        return "&" + s;
    }

    private static bool InvalidCharRef(long num, out string replacement)
    {
        replacement = string.Empty;
        switch (num)
        {
            case 0x00: replacement = "\uFFFD"; return true;
            case 0x0D: replacement = "\r"; return true;
        }
        if (num is >= 0x80 and <= 0x9F)
        {
            // HTML5 maps these references through Windows-1252 (undefined positions stay as C1 controls).
            replacement = Windows1252.Decode((byte)num, sloppy: true).ToString();
            return true;
        }
        return false;
    }

    private static bool IsInvalidCodePoint(long cp) =>
        cp is >= 0x1 and <= 0x8 || cp == 0xB || cp is >= 0xE and <= 0x1F || cp is >= 0x7F and <= 0x9F ||
        cp is >= 0xFDD0 and <= 0xFDEF || (cp & 0xFFFE) == 0xFFFE;
}

/// <summary>The Windows-1252 code page (what "sloppy" means: undefined bytes decode to the same-valued C1 control).</summary>
internal static class Windows1252
{
    private static readonly char[] High =
    {
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
        '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
        '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    };

    private static readonly Dictionary<char, byte> Encoder = BuildEncoder();

    /// <summary>The character byte <paramref name="b"/> decodes to.</summary>
    public static char Decode(byte b, bool sloppy) =>
        b is >= 0x80 and <= 0x9F ? (sloppy || !IsUndefined(b) ? High[b - 0x80] : '\uFFFD') : (char)b;

    /// <summary>Encodes one character; false when the (sloppy) code page cannot represent it.</summary>
    public static bool TryEncode(char c, out byte b) => Encoder.TryGetValue(c, out b);

    private static bool IsUndefined(byte b) => b is 0x81 or 0x8D or 0x8F or 0x90 or 0x9D;

    private static Dictionary<char, byte> BuildEncoder()
    {
        var d = new Dictionary<char, byte>();
        for (int i = 0; i < 256; i++) d[Decode((byte)i, sloppy: true)] = (byte)i;
        return d;
    }
}
