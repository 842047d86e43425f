using System.Diagnostics;
using System.Globalization;
using System.Text;
using DragVideo.Diffusion.Loading;
using DragVideo.Editing;
using DragVideo.Editing.Caching;
using DragVideo.Editing.Fast;
using DragVideo.Editing.Metrics;
using DragVideo.Editing.Stages;
using DragVideo.Media;
using DragVideo.ToyWorld;
using DragVideo.Tracking;
using TorchSharp;

namespace DragVideo.Benchmarks;

/// <summary>
/// Section <c>toyworld</c>: every editor setting on the same held-out toy-world scenarios, scored against the exact
/// ground truth: mean drag distance, PSNR vs ground truth inside and outside the editable region, Eq. 8 relative to the
/// ground truth's, wall time and U-Net frame-forward equivalents (frames through <c>conv_in</c>, so feature-only passes
/// count as full ones). The fast backend's two modes (<c>stretch</c>, <c>move</c>) need no model: selected alone they
/// run without loading one. Arguments: <c>--toy-model &lt;folder&gt;</c> (default models/toy-dragvideo),
/// <c>--toy-scenarios N</c> (default 20: seeds 0…N−1) or <c>--toy-seeds a,b,…</c> (held-out seeds below 1,000,000),
/// <c>--toy-configs a,b,…</c> (default all), <c>--toy-table &lt;file.md&gt;</c>, <c>--toy-cache &lt;folder&gt;</c> (keeps
/// the sample-specific LoRA and inverted latents on disk, so a later run with other drag or denoising settings skips them),
/// <c>--toy-sheets &lt;folder&gt;</c> (writes <c>toyworld-seed-S.png</c> for the first <c>--toy-sheet-count</c>
/// scenarios, default 3: rows original, ground truth, then each setting in table order, 8 frames, 2× enlarged).
/// </summary>
internal static class ToyWorldSection
{
    private static string _model = Path.Combine("models", "toy-dragvideo");
    private static IReadOnlyList<int> _seeds = Enumerable.Range(0, 20).ToList();
    private static string? _cacheFolder;
    private static HashSet<string>? _configs;
    private static string _tablePath = "toyworld-table.md";
    private static string? _sheets;
    private static int _sheetCount = 3;

    /// <summary>One setting of the table: the fast backend in a mode (no model needed), or the diffusion editor configured.</summary>
    public sealed record Setting(string Name, FastDeformationMode? FastMode, Action<DragVideoOptions>? Configure);

    /// <summary>The settings compared, in table order.</summary>
    public static readonly IReadOnlyList<Setting> Settings = new List<Setting>
    {
        new("stretch", FastDeformationMode.Stretch, null),
        new("move", FastDeformationMode.Move, null),
        new("diffusion", null, _ => { }),
        new("per-frame", null, o => o.MotionModulesEnabled = false),
        new("no-lora", null, o => o.TrainLora = false),
        new("no-msa", null, o => o.MutualSelfAttention = o.MutualSelfAttention with { Enabled = false }),
        new("lora-20", null, o => o.Lora = o.Lora with { Steps = 20 }),
        new("inversion-25", null, o => o.Inversion = o.Inversion with { InferenceSteps = 25 }),
        new("blocks-2+3", null, o => o.Drag = o.Drag with { FeatureUpBlocks = new[] { 2, 3 } }),
        // The released scripts' latent learning rate (the UI's is 0.01), and a shallower inversion: both make the
        // optimised latent's change larger relative to what denoising restores.
        new("latent-lr-0.05", null, o => o.Drag = o.Drag with { LearningRate = 0.05 }),
        new("strength-0.5", null, o => o.Inversion = o.Inversion with { Strength = 0.5 }),
    };

    public static void Configure(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        if (Value("--toy-model") is { } model) _model = model;
        if (Seeds(args) is { } seeds) _seeds = seeds;
        if (Value("--toy-cache") is { } cache) _cacheFolder = cache;
        if (Value("--toy-configs") is { } configs)
        {
            _configs = configs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (_configs.FirstOrDefault(c => Settings.All(s => !s.Name.Equals(c, StringComparison.OrdinalIgnoreCase))) is { } bad)
                throw new ArgumentException($"--toy-configs: unknown setting '{bad}'; known: {string.Join(", ", Settings.Select(s => s.Name))}.");
        }
        if (Value("--toy-table") is { } table) _tablePath = table;
        if (Value("--toy-sheets") is { } sheets) _sheets = sheets;
        if (Value("--toy-sheet-count") is { } c)
            _sheetCount = int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k is >= 1 and <= 100
                ? k : throw new ArgumentException($"--toy-sheet-count must be an integer in [1, 100]; got '{c}'.");
    }

    /// <summary>The model folder the toy sections load (<c>--toy-model</c>, default models/toy-dragvideo).</summary>
    internal static string ModelPath => _model;

    /// <summary>
    /// The held-out scenario seeds: <c>--toy-seeds a,b,…</c> (each in [0, 1,000,000), the trainer's seeds start above), or
    /// <c>--toy-scenarios N</c> (an integer in [1, 1000]: seeds 0…N−1), or null when neither is given.
    /// </summary>
    internal static IReadOnlyList<int>? Seeds(string[] args)
    {
        string? list = args.SkipWhile(a => a != "--toy-seeds").Skip(1).FirstOrDefault();
        if (list is not null)
        {
            var seeds = new List<int>();
            foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                seeds.Add(int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s is >= 0 and < 1_000_000
                    ? s : throw new ArgumentException($"--toy-seeds: '{part}' is not a held-out seed (an integer in [0, 1000000))."));
            return seeds.Count > 0 ? seeds.Distinct().ToList() : throw new ArgumentException("--toy-seeds needs at least one seed.");
        }
        string? n = args.SkipWhile(a => a != "--toy-scenarios").Skip(1).FirstOrDefault();
        if (n is null) return null;
        return int.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v is >= 1 and <= 1000
            ? Enumerable.Range(0, v).ToList() : throw new ArgumentException($"--toy-scenarios must be an integer in [1, 1000]; got '{n}'.");
    }

    /// <summary>The cache the toy sections share: in memory, and in <c>--toy-cache</c>'s folder when given.</summary>
    internal static EditCache CreateCache() => new(new EditCacheOptions { Directory = _cacheFolder, MaxMemoryEntries = 8 });

    /// <summary>"0…19" for a contiguous run from 0, else the list.</summary>
    internal static string Describe(IReadOnlyList<int> seeds) =>
        seeds.SequenceEqual(Enumerable.Range(0, seeds.Count)) ? $"0…{seeds.Count - 1}" : string.Join(", ", seeds);

    public static void Run(QuickTable table, double peakGflops, bool sd15Width)
    {
        var selected = Settings.Where(s => _configs is null || _configs.Contains(s.Name)).ToList();
        bool needsModel = selected.Any(s => s.FastMode is null);
        if (needsModel && !Directory.Exists(_model))
        {
            Console.WriteLine($"  toyworld: skipped, no toy model at {Path.GetFullPath(_model)} (pass --toy-model <folder>, or --toy-configs stretch,move for the weight-free settings alone)");
            return;
        }
        var metrics = new EditMetrics(new PyramidalOpticalFlow());
        var rows = new List<ToyRow>();
        using var model = needsModel ? StableDiffusionLoader.Load(_model) : null;
        using var cache = CreateCache();
        long frameForwards = 0;
        TorchSharp.Modules.Conv2d? convIn = model is null ? null
            : (TorchSharp.Modules.Conv2d)model.Unet.named_modules().First(m => m.name == "conv_in").module;
        var hook = convIn?.register_forward_pre_hook((_, input) => { frameForwards += input.shape[0]; return input; });
        var sheetSeeds = _sheets is null ? new List<int>() : _seeds.Take(_sheetCount).ToList();
        var sheetRows = new Dictionary<(int Seed, string Name), torch.Tensor>();
        try
        {
            foreach (var setting in selected)
            {
                using var diffusion = setting.Configure is null || model is null ? null
                    : new DragVideoBuilder().UseModel(model).UseCache(cache).Configure(setting.Configure).Build();
                IVideoDragEditor editor = diffusion ?? (IVideoDragEditor)new FastWarpDragEditor(new FastWarpOptions { Mode = setting.FastMode!.Value });
                var perScenario = new List<ToyScenarioResult>();
                var notes = new Dictionary<string, int>();
                foreach (int seed in _seeds)
                {
                    using var scenario = ToyDragScenario.Create(seed);
                    long before = frameForwards;
                    var clock = Stopwatch.StartNew();
                    // The drag loop's own view (Eq. 5 tracking on U-Net features), beside the decoded result's.
                    double? trackedFirst = null, trackedLast = null;
                    var dragProgress = new InlineProgress<EditProgress>(p =>
                    {
                        if (p.Stage != EditStage.DragOptimization || p.MeanHandleDistance is not double d) return;
                        trackedFirst ??= d;
                        trackedLast = d;
                    });
                    using var result = editor.EditAsync(scenario.Original, scenario.Request, dragProgress).GetAwaiter().GetResult();
                    clock.Stop();
                    var report = metrics.Measure(scenario.Original, result.EditedClip, result.Instruction);
                    var truth = metrics.Measure(scenario.Original, scenario.GroundTruth, result.Instruction);
                    var score = ToyGroundTruthScore.Compute(scenario, result.EditedClip);
                    perScenario.Add(new ToyScenarioResult(seed, report.MeanInitialDragDistance, report.MeanDragDistance, score.PsnrInsideMask, score.PsnrOutsideMask,
                        truth.TemporalMaxFlow > 0 ? report.TemporalMaxFlow / truth.TemporalMaxFlow : double.NaN, clock.Elapsed.TotalSeconds, frameForwards - before));
                    foreach (var note in result.Notes) notes[NoteKind(note)] = notes.GetValueOrDefault(NoteKind(note)) + 1;
                    if (sheetSeeds.Contains(seed))
                        sheetRows[(seed, setting.Name)] = ContactSheet.Render(result.EditedClip, null, SheetFrames);
                    string tracked = trackedLast is double last ? $" (drag loop's tracked handles {trackedFirst:0.0} → {last:0.0} px)" : "";
                    Console.WriteLine($"    {setting.Name} scenario {seed}: drag {report.MeanInitialDragDistance:0.0} → {report.MeanDragDistance:0.00} px{tracked}, PSNR in {score.PsnrInsideMask:0.0} / out {score.PsnrOutsideMask:0.0} dB, {clock.Elapsed.TotalSeconds:0.00} s{(result.Notes.Count > 0 ? "; " + string.Join(" | ", result.Notes) : "")}");
                }
                var row = ToyRow.From(setting.Name, perScenario);
                rows.Add(row);
                table.Add($"toyworld {setting.Name}: mean drag distance", row.MeanDragDistance, "px", $"{row.Within3Px:0%} of {perScenario.Count} scenarios ≤ 3 px (from {row.MeanInitialDistance:0.0})");
                table.Add($"toyworld {setting.Name}: PSNR vs ground truth inside mask", row.PsnrInside, "dB", $"outside: {row.PsnrOutside:0.0} dB");
                table.Add($"toyworld {setting.Name}: Eq. 8 edited / ground truth", row.TemporalRatio, "×", $"{row.Seconds:0.00} s per edit, {row.FrameForwards:0} U-Net frame-forwards");
                foreach (var (kind, count) in notes)
                    Console.WriteLine($"    {setting.Name}: {count} of {perScenario.Count} scenarios noted: {kind}");
            }
            if (rows.Count == 2 && rows[0].Name == "stretch" && rows[1].Name == "move")
                table.Add("toyworld move − stretch: PSNR inside mask", rows[1].PsnrInside - rows[0].PsnrInside, "dB",
                    rows[1].PsnrInside - rows[0].PsnrInside >= 3 && rows[1].MeanDragDistance <= 2 ? "meets ≥ 3 dB with drag ≤ 2 px" : "misses ≥ 3 dB with drag ≤ 2 px");
            File.WriteAllText(_tablePath, ToyRow.Markdown(rows, _seeds));
            Console.WriteLine($"  wrote {Path.GetFullPath(_tablePath)}");
            if (_sheets is not null) WriteSheets(sheetRows, selected, sheetSeeds);
        }
        finally
        {
            hook?.remove();
            foreach (var t in sheetRows.Values) t.Dispose();
        }
    }

    /// <summary>Columns of a contact sheet.</summary>
    private const int SheetFrames = 8;

    /// <summary>A note without its numbers, so notes of different scenarios group (for example "fell back to stretch mode").</summary>
    private static string NoteKind(string note)
    {
        int colon = note.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? note[..colon] : note;
    }

    /// <summary>One PNG per scenario: original, ground truth, then each setting's edit, one row each, 2× enlarged.</summary>
    private static void WriteSheets(Dictionary<(int Seed, string Name), torch.Tensor> rows, IReadOnlyList<Setting> settings, IReadOnlyList<int> seeds)
    {
        Directory.CreateDirectory(_sheets!);
        foreach (int seed in seeds)
        {
            using var scope = torch.NewDisposeScope();
            using var scenario = ToyDragScenario.Create(seed);
            var parts = new List<torch.Tensor>
            {
                ContactSheet.Render(scenario.Original, null, SheetFrames),
                ContactSheet.Render(scenario.GroundTruth, null, SheetFrames),
            };
            parts.AddRange(settings.Select(s => rows[(seed, s.Name)]));
            var spaced = new List<torch.Tensor>();
            foreach (var part in parts)
            {
                if (spaced.Count > 0) spaced.Add(torch.ones(3, 4, part.shape[2]));
                spaced.Add(part);
            }
            var sheet = torch.cat(spaced.ToArray(), 1);
            var enlarged = torch.nn.functional.interpolate(sheet.unsqueeze(0), scale_factor: new[] { 2.0, 2.0 }, mode: torch.InterpolationMode.Nearest)[0];
            string path = Path.Combine(_sheets!, $"toyworld-seed-{seed}.png");
            ImageFile.Write(enlarged, path);
            Console.WriteLine($"  wrote {Path.GetFullPath(path)} (rows: original, ground truth, {string.Join(", ", settings.Select(s => s.Name))})");
        }
    }
}

/// <summary>One edit of one scenario.</summary>
internal sealed record ToyScenarioResult(int Seed, double InitialDistance, double DragDistance, double PsnrInside, double PsnrOutside,
    double TemporalRatio, double Seconds, long FrameForwards);

/// <summary>One setting's means over the scenarios.</summary>
internal sealed record ToyRow(string Name, double MeanInitialDistance, double MeanDragDistance, double Within3Px, double PsnrInside, double PsnrOutside,
    double TemporalRatio, double Seconds, double FrameForwards)
{
    public static ToyRow From(string name, IReadOnlyList<ToyScenarioResult> r) => new(name,
        r.Average(x => x.InitialDistance), r.Average(x => x.DragDistance), r.Count(x => x.DragDistance <= 3) / (double)r.Count,
        r.Average(x => x.PsnrInside), r.Average(x => x.PsnrOutside), r.Where(x => double.IsFinite(x.TemporalRatio)).Select(x => x.TemporalRatio).DefaultIfEmpty(double.NaN).Average(),
        r.Average(x => x.Seconds), r.Average(x => (double)x.FrameForwards));

    public static string Markdown(IReadOnlyList<ToyRow> rows, IReadOnlyList<int> seeds)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Held-out toy-world scenarios {ToyWorldSection.Describe(seeds)} (64², 16 frames), one run, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        sb.AppendLine();
        sb.AppendLine("| setting | drag distance (px) | ≤ 3 px | PSNR vs GT inside mask (dB) | PSNR vs GT outside (dB) | Eq. 8 edited / GT | wall time per edit (s) | U-Net frame-forwards |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.MeanInitialDistance:0.0} → {r.MeanDragDistance:0.00} | {r.Within3Px:0%} | {r.PsnrInside:0.0} | {r.PsnrOutside:0.0} | {r.TemporalRatio:0.00} | {r.Seconds:0.00} | {r.FrameForwards:0} |");
        return sb.ToString();
    }
}
