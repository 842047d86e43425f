using System.Globalization;
using System.Net;

namespace DragVideo.Studio.Hosting;

/// <summary>Thrown for a bad command line; the message is one line meant for the user.</summary>
public sealed class StudioUsageException(string message) : Exception(message);

/// <summary>
/// Parses the Studio's command line. Options: <c>--urls a;b</c> (Kestrel syntax), or <c>--host H</c> and
/// <c>--port N</c> (default 127.0.0.1:5178); <c>--videos DIR</c>; <c>--model PATH --motion PATH [--tokenizer DIR]</c>;
/// <c>--max-upload-mb N</c>; <c>--max-json-kb N</c>; <c>--max-memory-mb N</c>; <c>--max-runs N</c>; <c>--work-dir DIR</c>
/// (new or empty); <c>--step-delay-ms N</c> (tests). Both <c>--name value</c> and
/// <c>--name=value</c> are accepted.
/// </summary>
public static class StudioCommandLine
{
    /// <summary>The usage text printed for <c>--help</c> and on errors.</summary>
    public const string Usage = """
        DragVideo Studio: drag-edit a video in your browser (local web app).

        Usage: DragVideo.Studio [options]
          --host HOST            address to bind (default 127.0.0.1; use 0.0.0.0 only on a trusted network)
          --port N               port (default 5178; 0 = any free port)
          --urls URLS            Kestrel URLs instead of --host/--port, e.g. http://127.0.0.1:8080
          --videos DIR           offer the videos in DIR (not its sub-folders) for picking in the page
          --model PATH           Stable Diffusion 1.5 weights (diffusers folder or .safetensors)
          --motion PATH          AnimateDiff motion adapter (needed with --model unless the folder has motion_adapter/,
                                 e.g. --model models/toy-dragvideo, the toy model trained in this repository)
          --tokenizer DIR        CLIP tokenizer folder (vocab.json, merges.txt) for a single-file --model checkpoint
          --max-upload-mb N      largest upload in MiB (default 200)
          --max-json-kb N        largest JSON request body in KiB (default 1024)
          --max-memory-mb N      memory for decoded clips across all sessions in MiB (default 4096); beyond it loads get 503
          --max-runs N           edits running at once across all sessions (default 2); beyond it runs get 503
          --work-dir DIR         folder for clips and results while running; must be new or empty, and what the
                                 Studio creates in it is removed at exit (default: a new temp folder)
          --step-delay-ms N      test/demo only: pause N ms after each editor step (makes fast runs cancellable)
          --help                 show this text
        """;

    /// <summary>Returns true and null options when <c>--help</c> was asked for.</summary>
    /// <exception cref="StudioUsageException">an unknown option, a missing or malformed value.</exception>
    public static StudioOptions? Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a is "--help" or "-h" or "-?") return null;
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length < 3)
                throw new StudioUsageException($"unexpected argument '{a}'; options start with --.");
            string name, value;
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                name = a[2..eq];
                value = a[(eq + 1)..];
            }
            else
            {
                name = a[2..];
                if (!Known.Contains(name)) throw new StudioUsageException($"unknown option --{name}; see --help.");
                if (i + 1 >= args.Count) throw new StudioUsageException($"--{name} needs a value.");
                value = args[++i];
            }
            if (!Known.Contains(name)) throw new StudioUsageException($"unknown option --{name}; see --help.");
            if (!values.TryAdd(name, value)) throw new StudioUsageException($"--{name} is given more than once.");
        }

        var urls = ParseUrls(values);
        string? videos = null;
        if (values.TryGetValue("videos", out var v))
        {
            videos = Path.GetFullPath(v);
            if (!Directory.Exists(videos)) throw new StudioUsageException($"--videos: folder '{v}' does not exist.");
        }
        values.TryGetValue("model", out var model);
        values.TryGetValue("motion", out var motion);
        // A diffusers folder that carries its own motion_adapter/ (e.g. the repository's toy model, models/toy-dragvideo)
        // needs no --motion; anything else needs both.
        bool modelCarriesMotion = model is not null && Directory.Exists(Path.Combine(model, "motion_adapter"));
        if (motion is not null && model is null)
            throw new StudioUsageException("--motion needs --model: the diffusion editor needs both the Stable Diffusion weights and the motion adapter.");
        if (model is not null && motion is null && !modelCarriesMotion)
            throw new StudioUsageException("--model needs --motion (the AnimateDiff motion adapter) unless the model folder has a motion_adapter/ folder, as models/toy-dragvideo does.");
        if (model is not null && !File.Exists(model) && !Directory.Exists(model))
            throw new StudioUsageException($"--model: '{model}' does not exist.");
        if (motion is not null && !File.Exists(motion) && !Directory.Exists(motion))
            throw new StudioUsageException($"--motion: '{motion}' does not exist.");

        values.TryGetValue("tokenizer", out var tokenizer);
        if (tokenizer is not null && model is null) throw new StudioUsageException("--tokenizer only applies with --model.");
        if (tokenizer is not null && !Directory.Exists(tokenizer)) throw new StudioUsageException($"--tokenizer: folder '{tokenizer}' does not exist.");

        long maxUpload = StudioOptions.DefaultMaxUploadBytes;
        if (values.TryGetValue("max-upload-mb", out var mb))
            maxUpload = checked(PositiveInt(mb, "max-upload-mb", 1, 100_000) * 1024L * 1024L);
        string? work = values.TryGetValue("work-dir", out var w) ? Path.GetFullPath(w) : null;
        var delay = values.TryGetValue("step-delay-ms", out var d)
            ? TimeSpan.FromMilliseconds(PositiveInt(d, "step-delay-ms", 0, 60_000))
            : TimeSpan.Zero;
        long maxJson = values.TryGetValue("max-json-kb", out var kb)
            ? PositiveInt(kb, "max-json-kb", 1, 1024 * 1024) * 1024L
            : StudioOptions.DefaultMaxJsonBytes;
        long maxMemory = values.TryGetValue("max-memory-mb", out var mm)
            ? PositiveInt(mm, "max-memory-mb", 16, 1024 * 1024) * 1024L * 1024L
            : StudioOptions.DefaultMaxMemoryBytes;
        int maxRuns = values.TryGetValue("max-runs", out var mr) ? PositiveInt(mr, "max-runs", 1, 64) : 2;
        if (work is not null && File.Exists(work)) throw new StudioUsageException($"--work-dir: '{w}' is a file, not a folder.");
        if (work is not null && Directory.Exists(work) && Directory.EnumerateFileSystemEntries(work).Any())
            throw new StudioUsageException($"--work-dir: '{w}' is not empty. Give a new or empty folder: the Studio removes what it creates there at exit and never touches files it did not create.");
        return new StudioOptions(urls, videos, model, motion, maxUpload, work, delay, TokenizerPath: tokenizer,
            MaxJsonBytes: maxJson, MaxMemoryBytes: maxMemory, MaxConcurrentRuns: maxRuns);
    }

    /// <summary>True when every URL binds to a loopback address only.</summary>
    public static bool IsLoopbackOnly(IEnumerable<string> urls) => urls.All(u =>
    {
        if (!Uri.TryCreate(u.Replace("://*", "://wildcard.invalid", StringComparison.Ordinal)
                           .Replace("://+", "://wildcard.invalid", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            return false;
        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    });

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "host", "port", "urls", "videos", "model", "motion", "tokenizer", "max-upload-mb", "work-dir", "step-delay-ms",
        "max-json-kb", "max-memory-mb", "max-runs",
    };

    private static IReadOnlyList<string> ParseUrls(Dictionary<string, string> values)
    {
        bool hasUrls = values.TryGetValue("urls", out var urls);
        bool hasHost = values.TryGetValue("host", out var host);
        bool hasPort = values.TryGetValue("port", out var port);
        if (hasUrls && (hasHost || hasPort))
            throw new StudioUsageException("use either --urls or --host/--port, not both.");
        if (hasUrls)
        {
            var list = urls!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (list.Length == 0) throw new StudioUsageException("--urls is empty.");
            foreach (var u in list)
                if (!u.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !u.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                    throw new StudioUsageException($"--urls: '{u}' must start with http:// or https://.");
            return list;
        }
        string h = hasHost ? host!.Trim() : "127.0.0.1";
        if (h.Length == 0 || h.Any(c => char.IsWhiteSpace(c) || c is '/' or '?' or '#' or '@'))
            throw new StudioUsageException($"--host: '{host}' is not a host name or address.");
        if (h.Contains(':', StringComparison.Ordinal) && !h.StartsWith('[')) h = $"[{h}]"; // IPv6 literal
        int p = hasPort ? PositiveInt(port!, "port", 0, 65535) : 5178;
        return [$"http://{h}:{p.ToString(CultureInfo.InvariantCulture)}"];
    }

    private static int PositiveInt(string text, string name, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
            throw new StudioUsageException($"--{name}: '{text}' is not a whole number in {min} … {max}.");
        return n;
    }
}
