namespace DragVideo.Studio.Hosting;

/// <summary>
/// Start-up settings of the Studio, from the command line (see <see cref="StudioCommandLine"/>). Immutable; the
/// defaults are the safe ones: loopback only, a bounded upload, the weight-free backend.
/// </summary>
/// <param name="Urls">addresses to listen on (Kestrel URL syntax); default <c>http://127.0.0.1:5178</c>.</param>
/// <param name="VideosFolder">a folder whose videos the page offers to pick (<c>--videos</c>), or null.</param>
/// <param name="ModelPath">Stable Diffusion 1.5 weights (<c>--model</c>): enables the diffusion editor with <see cref="MotionPath"/>.</param>
/// <param name="MotionPath">AnimateDiff motion-adapter weights (<c>--motion</c>).</param>
/// <param name="MaxUploadBytes">largest accepted upload (<c>--max-upload-mb</c>, default 200 MiB).</param>
/// <param name="WorkFolder">where clips and results are kept while the app runs (<c>--work-dir</c>); default a new temp folder.</param>
/// <param name="StepDelay">test/demo only (<c>--step-delay-ms</c>): pause after every reported editor step so a fast run
/// can be watched or cancelled; zero in normal use.</param>
/// <param name="MaxClipsPerSession">loaded clips kept per browser session; older ones are dropped.</param>
/// <param name="TokenizerPath">CLIP tokenizer folder (vocab.json + merges.txt) for a single-file checkpoint (<c>--tokenizer</c>).</param>
/// <param name="MaxJsonBytes">largest JSON request body (<c>--max-json-kb</c>, default 1 MiB); uploads have their own limit.</param>
/// <param name="MaxMemoryBytes">bytes of decoded clips held across all sessions (<c>--max-memory-mb</c>, default 4 GiB).</param>
/// <param name="MaxConcurrentRuns">edits running at once across all sessions (<c>--max-runs</c>, default 2).</param>
public sealed record StudioOptions(
    IReadOnlyList<string> Urls,
    string? VideosFolder = null,
    string? ModelPath = null,
    string? MotionPath = null,
    long MaxUploadBytes = StudioOptions.DefaultMaxUploadBytes,
    string? WorkFolder = null,
    TimeSpan StepDelay = default,
    int MaxClipsPerSession = 4,
    string? TokenizerPath = null,
    long MaxJsonBytes = StudioOptions.DefaultMaxJsonBytes,
    long MaxMemoryBytes = StudioOptions.DefaultMaxMemoryBytes,
    int MaxConcurrentRuns = 2)
{
    /// <summary>Default JSON body limit, 1 MiB.</summary>
    public const long DefaultMaxJsonBytes = 1L << 20;

    /// <summary>Default memory budget for decoded clips across sessions, 4 GiB.</summary>
    public const long DefaultMaxMemoryBytes = 4L << 30;

    /// <summary>Default listening address: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5178";

    /// <summary>Default upload limit, 200 MiB.</summary>
    public const long DefaultMaxUploadBytes = 200L * 1024 * 1024;

    /// <summary>True when the diffusion editor is configured (both <c>--model</c> and <c>--motion</c>).</summary>
    public bool UsesDiffusion => ModelPath is not null;
}
