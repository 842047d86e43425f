using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DragVideo;

/// <summary>
/// Reads and writes drag requests as JSON (System.Text.Json); the format is documented in
/// <c>docs/drag-request-format.md</c>. Points are pixel coordinates of the decoded clip (x right, y down, sub-pixel).
/// Every error is an <see cref="InvalidDragRequestException"/> whose <see cref="InvalidDragRequestException.Field"/> is
/// the JSON path of the offending value (for example <c>keyframes[1].pairs[0].handle.x</c>; <c>$</c> for the document).
/// </summary>
public static class DragRequestJson
{
    /// <summary>The format version written by <see cref="Save(DragRequest, string, JsonObject?)"/> and accepted on load.</summary>
    public const int FormatVersion = 1;

    /// <summary>Largest mask PNG file a request may reference (64 MiB); read with a bound, so a device or huge file is refused.</summary>
    public const long MaxMaskFileBytes = 64L << 20;

    private static readonly JsonDocumentOptions ParseOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 64,
    };

    /// <summary>
    /// Loads and validates a request for a clip of <paramref name="frameCount"/> frames of
    /// <paramref name="frameWidth"/>×<paramref name="frameHeight"/> pixels. Mask PNG paths are resolved relative to
    /// the JSON file's folder. The input file is only read.
    /// </summary>
    /// <exception cref="FileNotFoundException">the JSON file does not exist.</exception>
    /// <exception cref="InvalidDragRequestException">malformed JSON or an invalid field (named in the message).</exception>
    public static DragRequest Load(string path, int frameWidth, int frameHeight, int frameCount) =>
        LoadDocument(path, frameWidth, frameHeight, frameCount).Request;

    /// <summary>
    /// Loads and validates a request from a stream (see <see cref="Load(string, int, int, int)"/>); mask PNG paths are
    /// resolved against <paramref name="baseDirectory"/> (default: the current directory).
    /// </summary>
    /// <exception cref="InvalidDragRequestException">malformed JSON or an invalid field (named in the message).</exception>
    public static DragRequest Load(Stream json, int frameWidth, int frameHeight, int frameCount, string? baseDirectory = null) =>
        LoadDocument(json, frameWidth, frameHeight, frameCount, baseDirectory).Request;

    /// <summary>Like <see cref="Load(string, int, int, int)"/> but also returns the file's <c>"options"</c> object.</summary>
    /// <exception cref="FileNotFoundException">the JSON file does not exist.</exception>
    /// <exception cref="InvalidDragRequestException">malformed JSON or an invalid field (named in the message).</exception>
    public static DragRequestDocument LoadDocument(string path, int frameWidth, int frameHeight, int frameCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"drag request file '{path}' does not exist.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        try
        {
            return LoadDocument(stream, frameWidth, frameHeight, frameCount, dir);
        }
        catch (InvalidDragRequestException e)
        {
            // Same field, message extended with the file so a CLI user knows which input is wrong.
            string prefix = e.Field + ": ";
            string message = e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message;
            throw new InvalidDragRequestException(e.Field, $"{message.TrimEnd('.')} (in {path}).");
        }
    }

    /// <summary>Like <see cref="Load(Stream, int, int, int, string?)"/> but also returns the <c>"options"</c> object.</summary>
    /// <exception cref="InvalidDragRequestException">malformed JSON or an invalid field (named in the message).</exception>
    public static DragRequestDocument LoadDocument(Stream json, int frameWidth, int frameHeight, int frameCount, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 1);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, ParseOptions);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line
                ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}"
                : string.Empty;
            throw new InvalidDragRequestException("$", $"malformed JSON{where}: {FirstSentence(e.Message)}");
        }
        using (doc)
        {
            var reader = new Reader(frameWidth, frameHeight, baseDirectory ?? Directory.GetCurrentDirectory());
            var result = reader.ReadRoot(doc.RootElement);
            DragRequestValidator.Validate(result.Request, frameCount, frameWidth, frameHeight);
            for (int k = 0; k < result.Request.Keyframes.Count; k++)
            {
                if (result.Request.Keyframes[k].Mask is { Count: 0 })
                    throw new InvalidDragRequestException($"keyframes[{k}].mask", "the mask selects no pixel; omit \"mask\" to allow the whole frame to change.");
            }
            return result;
        }
    }

    /// <summary>
    /// Writes <paramref name="request"/> (masks inline as run-length codes) and optional <paramref name="options"/>
    /// to <paramref name="path"/>: a temporary file in the same folder is written first and then moved into place.
    /// </summary>
    public static void Save(DragRequest request, string path, JsonObject? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                Save(request, fs, options);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="request"/> as indented UTF-8 JSON to <paramref name="stream"/> (left open).</summary>
    public static void Save(DragRequest request, Stream stream, JsonObject? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("version", FormatVersion);
        w.WriteString("prompt", request.Prompt);
        w.WriteStartArray("keyframes");
        foreach (var kf in request.Keyframes)
        {
            w.WriteStartObject();
            w.WriteNumber("frame", kf.FrameIndex);
            w.WriteStartArray("pairs");
            foreach (var p in kf.Pairs)
            {
                w.WriteStartObject();
                WritePoint(w, "handle", p.Handle);
                WritePoint(w, "target", p.Target);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (kf.Mask is not null)
            {
                w.WriteStartObject("mask");
                w.WriteStartObject("rle");
                w.WriteNumber("width", kf.Mask.Width);
                w.WriteNumber("height", kf.Mask.Height);
                w.WriteStartArray("counts");
                foreach (int c in MaskRle.Encode(kf.Mask)) w.WriteNumberValue(c);
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (options is not null)
        {
            w.WritePropertyName("options");
            options.WriteTo(w);
        }
        w.WriteEndObject();
    }

    private static void WritePoint(Utf8JsonWriter w, string name, DragPoint p)
    {
        if (!p.IsFinite) throw new InvalidDragRequestException(name, $"cannot write a non-finite point ({p.X}, {p.Y}).");
        w.WriteStartObject(name);
        w.WriteNumber("x", p.X);
        w.WriteNumber("y", p.Y);
        w.WriteEndObject();
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }

    /// <summary>Walks the document, turning every type or range problem into an error naming its JSON path.</summary>
    private sealed class Reader(int width, int height, string baseDirectory)
    {
        public DragRequestDocument ReadRoot(JsonElement root)
        {
            RequireObject(root, "$");
            CheckProperties(root, "$", "version", "prompt", "keyframes", "options", "description");
            if (root.TryGetProperty("version", out var version))
            {
                if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int v) || v != FormatVersion)
                    throw new InvalidDragRequestException("version", $"unsupported format version {Describe(version)}; this reader understands {FormatVersion}.");
            }
            string prompt = DragRequest.DefaultPrompt;
            if (root.TryGetProperty("prompt", out var p))
            {
                if (p.ValueKind != JsonValueKind.String) throw new InvalidDragRequestException("prompt", $"must be a string; got {Describe(p)}.");
                prompt = p.GetString()!;
            }
            if (root.TryGetProperty("description", out var d) && d.ValueKind != JsonValueKind.String)
                throw new InvalidDragRequestException("description", $"must be a string; got {Describe(d)}.");
            if (!root.TryGetProperty("keyframes", out var kfs))
                throw new InvalidDragRequestException("keyframes", "is missing: give at least one key frame with drag pairs.");
            RequireArray(kfs, "keyframes");
            var keyframes = new List<KeyframeDrag>();
            int k = 0;
            foreach (var kf in kfs.EnumerateArray()) keyframes.Add(ReadKeyframe(kf, $"keyframes[{k++}]"));
            JsonObject? options = null;
            if (root.TryGetProperty("options", out var o))
            {
                RequireObject(o, "options");
                options = JsonNode.Parse(o.GetRawText())!.AsObject();
            }
            return new DragRequestDocument(new DragRequest(keyframes, prompt), options);
        }

        private KeyframeDrag ReadKeyframe(JsonElement e, string at)
        {
            RequireObject(e, at);
            CheckProperties(e, at, "frame", "pairs", "mask");
            if (!e.TryGetProperty("frame", out var f)) throw new InvalidDragRequestException($"{at}.frame", "is missing: give the key frame's 0-based index.");
            if (f.ValueKind != JsonValueKind.Number || !f.TryGetInt32(out int frame))
                throw new InvalidDragRequestException($"{at}.frame", $"must be an integer frame index; got {Describe(f)}.");
            if (!e.TryGetProperty("pairs", out var ps)) throw new InvalidDragRequestException($"{at}.pairs", "is missing: a key frame needs at least one handle→target pair.");
            RequireArray(ps, $"{at}.pairs");
            if (ps.GetArrayLength() > DragRequestLimits.MaxPairsPerKeyframe)
                throw new InvalidDragRequestException($"{at}.pairs", $"has {ps.GetArrayLength()} pairs; at most {DragRequestLimits.MaxPairsPerKeyframe} are allowed per key frame.");
            var pairs = new List<DragPair>();
            int j = 0;
            foreach (var pe in ps.EnumerateArray())
            {
                string pat = $"{at}.pairs[{j++}]";
                RequireObject(pe, pat);
                CheckProperties(pe, pat, "handle", "target");
                pairs.Add(new DragPair(ReadPoint(pe, "handle", pat), ReadPoint(pe, "target", pat)));
            }
            BinaryMask? mask = null;
            if (e.TryGetProperty("mask", out var m) && m.ValueKind != JsonValueKind.Null) mask = ReadMask(m, $"{at}.mask");
            return new KeyframeDrag(frame, pairs, mask);
        }

        private static DragPoint ReadPoint(JsonElement parent, string name, string at)
        {
            string pat = $"{at}.{name}";
            if (!parent.TryGetProperty(name, out var e)) throw new InvalidDragRequestException(pat, "is missing: give {\"x\": …, \"y\": …} in pixels.");
            return ReadPoint(e, pat);
        }

        private static DragPoint ReadPoint(JsonElement e, string pat)
        {
            RequireObject(e, pat);
            CheckProperties(e, pat, "x", "y");
            return new DragPoint(Number(e, "x", pat), Number(e, "y", pat));
        }

        private static float Number(JsonElement parent, string name, string at)
        {
            string pat = $"{at}.{name}";
            if (!parent.TryGetProperty(name, out var e)) throw new InvalidDragRequestException(pat, "is missing.");
            return Number(e, pat);
        }

        private static float Number(JsonElement e, string pat)
        {
            if (e.ValueKind != JsonValueKind.Number)
                throw new InvalidDragRequestException(pat, $"must be a finite number; got {Describe(e)} (JSON has no NaN or Infinity).");
            if (!e.TryGetDouble(out double d) || !double.IsFinite(d) || !float.IsFinite((float)d))
                throw new InvalidDragRequestException(pat, $"must be a finite number; got {e.GetRawText()}, which is out of range.");
            return (float)d;
        }

        private BinaryMask ReadMask(JsonElement e, string at)
        {
            if (e.ValueKind == JsonValueKind.String) return ReadPng(e.GetString()!, at);
            RequireObject(e, at);
            CheckProperties(e, at, "png", "rle", "shapes");
            var present = new[] { "png", "rle", "shapes" }.Where(n => e.TryGetProperty(n, out _)).ToList();
            if (present.Count != 1)
                throw new InvalidDragRequestException(at, "give exactly one of \"png\" (file path), \"rle\" or \"shapes\".");
            var v = e.GetProperty(present[0]);
            switch (present[0])
            {
                case "png":
                    if (v.ValueKind != JsonValueKind.String) throw new InvalidDragRequestException($"{at}.png", $"must be a file path string; got {Describe(v)}.");
                    return ReadPng(v.GetString()!, $"{at}.png");
                case "rle":
                    return ReadRle(v, $"{at}.rle");
                default:
                    return ReadShapes(v, $"{at}.shapes");
            }
        }

        private BinaryMask ReadPng(string relative, string at)
        {
            if (string.IsNullOrWhiteSpace(relative)) throw new InvalidDragRequestException(at, "the mask path is empty.");
            string full = Path.GetFullPath(Path.Combine(baseDirectory, relative));
            if (!File.Exists(full)) throw new InvalidDragRequestException(at, $"mask file '{relative}' not found (looked for {full}).");
            byte[]? bytes;
            try { bytes = ReadBounded(full, MaxMaskFileBytes); }
            catch (IOException ex) { throw new InvalidDragRequestException(at, $"mask file '{relative}' cannot be read: {ex.Message}"); }
            catch (UnauthorizedAccessException ex) { throw new InvalidDragRequestException(at, $"mask file '{relative}' cannot be read: {ex.Message}"); }
            if (bytes is null)
                throw new InvalidDragRequestException(at, $"mask file '{relative}' is larger than {MaxMaskFileBytes >> 20} MiB; a mask PNG is far smaller (is it the right file?).");
            return PngMaskDecoder.Decode(bytes, at);
        }

        /// <summary>
        /// The file's bytes, or null when it is over <paramref name="limit"/>: a regular file by its length, before reading;
        /// a device such as /dev/zero (length 0) by reading at most <paramref name="limit"/> + 1 bytes. Memory stays bounded.
        /// </summary>
        private static byte[]? ReadBounded(string path, long limit)
        {
            if (new FileInfo(path).Length > limit) return null;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            while (buffer.Length <= limit)
            {
                int n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit + 1 - buffer.Length));
                if (n == 0) break;
                buffer.Write(chunk, 0, n);
            }
            return buffer.Length > limit ? null : buffer.ToArray();
        }

        private static BinaryMask ReadRle(JsonElement e, string at)
        {
            RequireObject(e, at);
            CheckProperties(e, at, "width", "height", "counts");
            int w = PositiveInt(e, "width", at), h = PositiveInt(e, "height", at);
            if (!e.TryGetProperty("counts", out var c)) throw new InvalidDragRequestException($"{at}.counts", "is missing.");
            RequireArray(c, $"{at}.counts");
            var counts = new List<long>();
            int i = 0;
            foreach (var ce in c.EnumerateArray())
            {
                if (ce.ValueKind != JsonValueKind.Number || !ce.TryGetInt64(out long n))
                    throw new InvalidDragRequestException($"{at}.counts[{i}]", $"must be a non-negative integer; got {Describe(ce)}.");
                counts.Add(n);
                i++;
            }
            if ((long)w * h > 1L << 28) throw new InvalidDragRequestException(at, $"a {w}×{h} mask is too large.");
            return MaskRle.Decode(w, h, counts, $"{at}.counts");
        }

        private BinaryMask ReadShapes(JsonElement e, string at)
        {
            RequireArray(e, at);
            var shapes = new List<MaskShapeRasterizer.Shape>();
            int i = 0;
            if (e.GetArrayLength() > DragRequestLimits.MaxShapesPerMask)
                throw new InvalidDragRequestException(at, $"has {e.GetArrayLength()} shapes; at most {DragRequestLimits.MaxShapesPerMask} are allowed.");
            foreach (var s in e.EnumerateArray()) shapes.Add(ReadShape(s, $"{at}[{i++}]"));
            if (shapes.Count == 0) throw new InvalidDragRequestException(at, "give at least one shape.");
            return MaskShapeRasterizer.Rasterize(width, height, shapes);
        }

        private static MaskShapeRasterizer.Shape ReadShape(JsonElement s, string at)
        {
            RequireObject(s, at);
            if (!s.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
                throw new InvalidDragRequestException($"{at}.type", "must be one of \"rectangle\", \"ellipse\", \"polygon\", \"brush\".");
            bool subtract = false;
            if (s.TryGetProperty("op", out var op))
            {
                string? o = op.ValueKind == JsonValueKind.String ? op.GetString() : null;
                if (o is not ("add" or "subtract")) throw new InvalidDragRequestException($"{at}.op", $"must be \"add\" or \"subtract\"; got {Describe(op)}.");
                subtract = o == "subtract";
            }
            switch (t.GetString())
            {
                case "rectangle":
                    CheckProperties(s, at, "type", "op", "x", "y", "width", "height");
                    return MaskShapeRasterizer.Rectangle(subtract, Number(s, "x", at), Number(s, "y", at), PositiveNumber(s, "width", at), PositiveNumber(s, "height", at));
                case "ellipse":
                    CheckProperties(s, at, "type", "op", "cx", "cy", "rx", "ry");
                    return MaskShapeRasterizer.Ellipse(subtract, Number(s, "cx", at), Number(s, "cy", at), PositiveNumber(s, "rx", at), PositiveNumber(s, "ry", at));
                case "polygon":
                    CheckProperties(s, at, "type", "op", "points");
                    return MaskShapeRasterizer.Polygon(subtract, Points(s, at, 3));
                case "brush":
                    CheckProperties(s, at, "type", "op", "radius", "points");
                    return MaskShapeRasterizer.Brush(subtract, PositiveNumber(s, "radius", at), Points(s, at, 1));
                default:
                    throw new InvalidDragRequestException($"{at}.type", $"unknown shape {Describe(t)}; use \"rectangle\", \"ellipse\", \"polygon\" or \"brush\".");
            }
        }

        private static List<DragPoint> Points(JsonElement s, string at, int min)
        {
            if (!s.TryGetProperty("points", out var ps)) throw new InvalidDragRequestException($"{at}.points", "is missing.");
            RequireArray(ps, $"{at}.points");
            if (ps.GetArrayLength() > DragRequestLimits.MaxPointsPerShape)
                throw new InvalidDragRequestException($"{at}.points", $"has {ps.GetArrayLength()} points; at most {DragRequestLimits.MaxPointsPerShape} are allowed per shape.");
            var list = new List<DragPoint>();
            int i = 0;
            foreach (var p in ps.EnumerateArray()) list.Add(ReadPoint(p, $"{at}.points[{i++}]"));
            if (list.Count < min) throw new InvalidDragRequestException($"{at}.points", $"needs at least {min} point(s); got {list.Count}.");
            return list;
        }

        private static float PositiveNumber(JsonElement parent, string name, string at)
        {
            float v = Number(parent, name, at);
            if (!(v > 0)) throw new InvalidDragRequestException($"{at}.{name}", $"must be greater than 0; got {v}.");
            return v;
        }

        private static int PositiveInt(JsonElement parent, string name, string at)
        {
            if (!parent.TryGetProperty(name, out var e)) throw new InvalidDragRequestException($"{at}.{name}", "is missing.");
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int v) || v < 1)
                throw new InvalidDragRequestException($"{at}.{name}", $"must be a positive integer; got {Describe(e)}.");
            return v;
        }

        private static void RequireObject(JsonElement e, string at)
        {
            if (e.ValueKind != JsonValueKind.Object) throw new InvalidDragRequestException(at, $"must be an object; got {Describe(e)}.");
        }

        private static void RequireArray(JsonElement e, string at)
        {
            if (e.ValueKind != JsonValueKind.Array) throw new InvalidDragRequestException(at, $"must be an array; got {Describe(e)}.");
        }

        private static void CheckProperties(JsonElement e, string at, params string[] allowed)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                string field = at == "$" ? p.Name : $"{at}.{p.Name}";
                if (!seen.Add(p.Name)) throw new InvalidDragRequestException(field, "appears more than once.");
                if (Array.IndexOf(allowed, p.Name) < 0)
                    throw new InvalidDragRequestException(field, $"unknown field; expected one of {string.Join(", ", allowed.Select(a => $"\"{a}\""))}.");
            }
        }

        private static string Describe(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => $"the string {Truncate(e.GetRawText())}",
            JsonValueKind.Number => e.GetRawText(),
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
            _ => "null",
        };

        private static string Truncate(string s) => s.Length <= 40 ? s : s[..37] + "…\"";
    }
}
