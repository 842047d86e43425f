using System.Globalization;
using System.Text.Json;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// Reads diffusers <c>config.json</c> values with diffusers' conventions: absent or null keys take the default, and
/// per-block keys may hold one value for all blocks or a list. Type errors throw <see cref="FormatException"/> naming the key.
/// </summary>
internal sealed class ConfigReader
{
    private readonly JsonElement _root;

    /// <summary>Wraps a parsed JSON object.</summary>
    public ConfigReader(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("config.json must hold a JSON object.");
        _root = root;
    }

    private bool TryGet(string key, out JsonElement value)
        => _root.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>The key is present and not null.</summary>
    public bool Has(string key) => TryGet(key, out _);

    /// <summary>An integer (JSON numbers like 4.0 accepted).</summary>
    public int Int(string key, int fallback) => OptionalInt(key) ?? fallback;

    /// <summary>An integer or null.</summary>
    public int? OptionalInt(string key)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue)
            return (int)d;
        throw new FormatException($"'{key}' must be an integer, got {v.GetRawText()}.");
    }

    /// <summary>A number.</summary>
    public double Double(string key, double fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw new FormatException($"'{key}' must be a number, got {v.GetRawText()}.");
    }

    /// <summary>A boolean.</summary>
    public bool Bool(string key, bool fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new FormatException($"'{key}' must be true or false, got {v.GetRawText()}."),
        };
    }

    /// <summary>A string.</summary>
    public string String(string key, string fallback) => OptionalString(key) ?? fallback;

    /// <summary>A string or null.</summary>
    public string? OptionalString(string key)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        throw new FormatException($"'{key}' must be a string, got {v.GetRawText()}.");
    }

    /// <summary>A list of strings, or null when absent.</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Array) throw new FormatException($"'{key}' must be a list of strings.");
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new FormatException($"'{key}' must be a list of strings.")).ToArray();
    }

    /// <summary>A list of integers, or null when absent.</summary>
    public IReadOnlyList<int>? IntList(string key)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Array) throw new FormatException($"'{key}' must be a list of integers.");
        return v.EnumerateArray().Select(e => AsInt(key, e)).ToArray();
    }

    /// <summary>One integer for all <paramref name="n"/> blocks or a per-block list; null when absent.</summary>
    public IReadOnlyList<int>? IntOrList(string key, int n)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Array) return v.EnumerateArray().Select(e => AsInt(key, e)).ToArray();
        int one = AsInt(key, v);
        return Enumerable.Repeat(one, n).ToArray();
    }

    /// <summary>One boolean for all blocks or a per-block list; null when absent.</summary>
    public IReadOnlyList<bool>? BoolOrList(string key, int n)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Array)
            return v.EnumerateArray().Select(e => e.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new FormatException($"'{key}' must hold booleans."),
            }).ToArray();
        return Enumerable.Repeat(Bool(key, false), n).ToArray();
    }

    /// <summary>Throws when any of the keys holds a value other than null (an unimplemented feature).</summary>
    public void RequireNullOrDefault(params string[] keys)
    {
        foreach (var k in keys)
            if (TryGet(k, out var v))
                throw new ArgumentException($"'{k}' = {v.GetRawText()} selects a feature this port does not implement (SD1.x U-Nets leave it null).", k);
    }

    /// <summary>Throws when the key is present with a value other than <paramref name="expected"/>.</summary>
    public void RequireValue(string key, string expected)
    {
        var s = OptionalString(key);
        if (s is not null && s != expected)
            throw new ArgumentException($"'{key}' = '{s}' is not supported; only '{expected}' is implemented.", key);
    }

    /// <summary>Throws when any of the keys is true.</summary>
    public void RequireFalse(params string[] keys)
    {
        foreach (var k in keys)
            if (Bool(k, false))
                throw new ArgumentException($"'{k}' = true is not supported by this port.", k);
    }

    private static int AsInt(string key, JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d) && d == Math.Floor(d)) return (int)d;
        throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'{key}' must hold integers, got {e.GetRawText()}."));
    }
}
