using System.Globalization;

namespace DragVideo.ToyWorld.Training;

/// <summary>The trainer's arguments, validated: one clear line for anything wrong.</summary>
internal sealed record CommandLine(string Job, string Model, string Runs, string Tokenizer, int VaeSteps, int UnetSteps,
    int? Batch, double? LearningRate, int Seed, int? Threads, int? StopAt, string? Output = null, int Count = 4,
    DragDiagnosisJob.Settings? Diagnosis = null)
{
    public static CommandLine Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("all" or "vae" or "vae-decoder" or "unet" or "samples" or "drag-diagnosis"))
            throw new ArgumentException("usage: toyworld-train all|vae|vae-decoder|unet --model <folder> --runs <folder> [--tokenizer <folder>] [--steps N | --vae-steps N --unet-steps N] [--batch B] [--lr X] [--seed S] [--threads T] [--stop-at STEP]" +
                "  |  toyworld-train samples --model <folder> --out <sheet.png> [--count N] [--steps N] [--seed S]" +
                "  |  toyworld-train drag-diagnosis --model <folder> --out <sheet.png> [--scenario S] [--strength X] [--steps K] [--lr X]");
        string job = args[0];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"expected '--name value' pairs; got '{args[i]}'.");
            values[args[i][2..]] = args[++i];
        }
        var known = job == "samples"
            ? new HashSet<string> { "model", "out", "count", "steps", "seed", "threads" }
            : job == "drag-diagnosis"
            ? new HashSet<string> { "model", "out", "scenario", "strength", "steps", "lr", "threads" }
            : new HashSet<string> { "model", "runs", "tokenizer", "steps", "vae-steps", "unet-steps", "batch", "lr", "seed", "threads", "stop-at" };
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown) throw new ArgumentException($"unknown option --{unknown} for '{job}'.");
        if (job == "samples") return ParseSamples(values);
        if (job == "drag-diagnosis") return ParseDiagnosis(values);
        string model = values.GetValueOrDefault("model") ?? throw new ArgumentException("--model <folder> is required (where the diffusers-layout model is written).");
        string runs = values.GetValueOrDefault("runs") ?? throw new ArgumentException("--runs <folder> is required (checkpoints and logs).");
        string tokenizer = values.GetValueOrDefault("tokenizer") ?? Path.Combine(model, "tokenizer");
        int steps = Int(values, "steps", 0, 1, 1_000_000);
        int vae = Int(values, "vae-steps", job is "vae" or "vae-decoder" && steps > 0 ? steps : job == "vae-decoder" ? 400 : 1500, 1, 1_000_000);
        int unet = Int(values, "unet-steps", job == "unet" && steps > 0 ? steps : 1800, 1, 1_000_000);
        int? batch = values.ContainsKey("batch") ? Int(values, "batch", 0, 1, 256) : null;
        double? lr = null;
        if (values.TryGetValue("lr", out var lrText))
        {
            if (!double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !(parsed > 0) || parsed > 1)
                throw new ArgumentException($"--lr must be a number in (0, 1]; got '{lrText}'.");
            lr = parsed;
        }
        int seed = Int(values, "seed", 1234, 0, int.MaxValue);
        int? threads = values.ContainsKey("threads") ? Int(values, "threads", 0, 1, 64) : null;
        // Stop (with a checkpoint and exported weights) after this step while keeping the schedule of the full length.
        int? stopAt = values.ContainsKey("stop-at") ? Int(values, "stop-at", 0, 1, 1_000_000) : null;
        CheckWritable(model, "--model");
        CheckWritable(runs, "--runs");
        return new CommandLine(job, Path.GetFullPath(model), Path.GetFullPath(runs), Path.GetFullPath(tokenizer), vae, unet, batch, lr, seed, threads, stopAt);
    }

    private static CommandLine ParseSamples(Dictionary<string, string> values)
    {
        string model = values.GetValueOrDefault("model") ?? throw new ArgumentException("--model <folder> is required (the trained model to sample).");
        string output = values.GetValueOrDefault("out") ?? throw new ArgumentException("--out <sheet.png> is required.");
        if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--out must name a .png file; got '{output}'.");
        if (!Directory.Exists(Path.Combine(model, "unet"))) throw new ArgumentException($"--model {model} has no unet/ folder; train it first.");
        string folder = Path.GetDirectoryName(Path.GetFullPath(output))!;
        CheckWritable(folder, "--out");
        int steps = Int(values, "steps", 50, 1, 1000);
        return new CommandLine("samples", Path.GetFullPath(model), folder, Path.Combine(model, "tokenizer"), 0, steps, null, null,
            Int(values, "seed", 7, 0, int.MaxValue), values.ContainsKey("threads") ? Int(values, "threads", 0, 1, 64) : null, null,
            Path.GetFullPath(output), Int(values, "count", 4, 1, 64));
    }

    private static CommandLine ParseDiagnosis(Dictionary<string, string> values)
    {
        int scenario = Int(values, "scenario", 3, 0, 999_999);
        double strength = Number(values, "strength", 0.75, 0.02, 1.0);
        int steps = Int(values, "steps", 40, 1, 1000);
        double lr = Number(values, "lr", 0.01, 1e-6, 1.0);
        var sheet = ParseSamples(new Dictionary<string, string>(values.Where(v => v.Key is "model" or "out" or "threads")));
        return sheet with { Job = "drag-diagnosis", Diagnosis = new DragDiagnosisJob.Settings(scenario, strength, steps, lr) };
    }

    private static double Number(Dictionary<string, string> values, string name, double fallback, double min, double max)
    {
        if (!values.TryGetValue(name, out var text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= min) || !(value <= max))
            throw new ArgumentException($"--{name} must be a number in [{min}, {max}]; got '{text}'.");
        return value;
    }

    private static int Int(Dictionary<string, string> values, string name, int fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new ArgumentException($"--{name} must be an integer in [{min}, {max}]; got '{text}'.");
        return value;
    }

    private static void CheckWritable(string folder, string option)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option} {folder} is not a writable folder ({e.Message}).");
        }
    }
}
