using System.Diagnostics;
using System.Globalization;
using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Memory;
using DragVideo.Diffusion.Modules.Attention;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Editing.Drag;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Benchmarks;

/// <summary>
/// The <c>memory</c> section (issue 14): peak RSS and time of drag and LoRA steps at SD1.5 widths with random weights,
/// plain and with each saving (gradient checkpointing per block / per unit, attention slicing, a 4-frame chunk), as
/// ratios to the same run's plain step. Every row checks MemAvailable and a time budget first and is skipped with a
/// note when the machine cannot hold it, so the section never pushes the process above 22 GiB or past its budget
/// (20 minutes; <c>--memory-minutes N</c> changes it). The paper's 512² rows take ~15 minutes each here and run only
/// with <c>--memory-512</c>.
/// </summary>
internal static class MemorySection
{
    private const double CeilingGiB = 22.0;
    private const double MarginGiB = 1.0;

    public static void Run(QuickTable table, double peakGflops, bool sd15Width)
    {
        string[] args = Environment.GetCommandLineArgs();
        TryLowerOomPriority();
        var budget = TimeSpan.FromMinutes(ArgValue("--memory-minutes") ?? 20);
        var clock = Stopwatch.StartNew();
        string width = BenchmarkUnet.Label(sd15Width);
        var config = BenchmarkUnet.Config(sd15Width);
        double resident;
        using (var model = new UNetMotionModel(config))
            resident = PeakMemory.CurrentMiB() / 1024;
        table.Add($"memory: resident process with the {width} video U-Net", resident, "GiB", "float32 weights + runtime");
        // Every step row runs in a child process of its own (this program with --memory-row): a peak measured in a
        // process that already ran a larger row includes the heap that row left behind, and a row that does not fit is
        // then only that child's out-of-memory kill.
        HostAllocator.ReleaseFreedMemory();
        var rows = new RowRunner(sd15Width, resident);

        // 1. Attention slicing at the paper's token count: one spatial self-attention, forward + backward.
        SlicingRows(table, sd15Width ? 40 : 16);

        // 2. Time of a checkpointed step vs the plain step (4 frames 256², the optimiser's step with a mask).
        var plain4 = Step(table, rows, "drag step, 4 frames 256²", 4, 32, GradientCheckpointing.Off, null, extraGiB: 5, estimateS: 120, clock, budget, null, runs: 2);
        var blocks4 = Step(table, rows, "drag step, 4 frames 256²", 4, 32, GradientCheckpointing.Blocks, null, 3, (plain4?.Seconds ?? 60) * 3, clock, budget, plain4, runs: 2);
        Step(table, rows, "drag step, 4 frames 256²", 4, 32, GradientCheckpointing.All, null, 3, (blocks4?.Seconds ?? 90) * 2.2, clock, budget, plain4, runs: 2);

        // 3. The 16-frame 256² step: the editor's default (checkpointed blocks), then the plain step if the machine can hold it.
        double per16 = 4.2 * (plain4?.Seconds ?? 60);
        var blocks16 = Step(table, rows, "drag step, 16 frames 256²", 16, 32, GradientCheckpointing.Blocks, null, 6, per16 * 1.2, clock, budget, null);
        var units16 = Step(table, rows, "drag step, 16 frames 256²", 16, 32, GradientCheckpointing.All, null, 5, per16 * 1.3, clock, budget, blocks16, "blocks");
        var plain16 = Step(table, rows, "drag step, 16 frames 256²", 16, 32, GradientCheckpointing.Off, null, 14, per16, clock, budget, null);
        if (plain16 is not null && blocks16 is not null)
            table.Add("memory: 16 frames 256², checkpointed blocks / plain", blocks16.PeakGiB / plain16.PeakGiB, "×",
                $"peak; time {blocks16.Seconds / plain16.Seconds:0.00}×");
        if (plain4 is not null)
            table.Add("memory: one 4-frame chunk (DragBatchFrames = 4) vs 16 frames, plain", plain4.PeakGiB, "GiB",
                "DragOptimizationOptions.DragBatchFrames = 4 optimises 16 frames as four independent 4-frame steps, so its peak is this 4-frame step's");

        // 3b. The same checkpointed steps in processes that return freed host memory to the OS from the start.
        Measured? returned4 = null, returned16 = null, returnedUnits16 = null;
        if (OperatingSystem.IsLinux())
        {
            returned4 = Step(table, rows, "drag step, 4 frames 256², freed host memory returned", 4, 32, GradientCheckpointing.Blocks, null, 3,
                (blocks4?.Seconds ?? 90) * 1.3, clock, budget, blocks4, "kept", returnFreed: true);
            returned16 = Step(table, rows, "drag step, 16 frames 256², freed host memory returned", 16, 32, GradientCheckpointing.Blocks, null, 7,
                (blocks16?.Seconds ?? per16) * 1.3, clock, budget, blocks16, "kept", returnFreed: true);
            returnedUnits16 = Step(table, rows, "drag step, 16 frames 256², freed host memory returned", 16, 32, GradientCheckpointing.All, null, 5,
                (units16?.Seconds ?? per16) * 1.3, clock, budget, units16, "kept", returnFreed: true);
            if (returned16 is not null && blocks16 is not null)
                table.Add("memory: 16 frames 256² checkpointed blocks, freed host memory returned / kept", returned16.PeakGiB / blocks16.PeakGiB, "×",
                    $"peak; time {returned16.Seconds / blocks16.Seconds:0.00}× (MemoryOptions.ReturnFreedHostMemory)");
        }
        else
            table.Add("memory: freed host memory returned rows", double.NaN, "", "skipped: this platform's C library has no glibc mallopt");

        // 4. The paper's resolution (each row ~15 minutes here, so only with --memory-512). A row runs only when its
        //    projected float32 peak fits under the ceiling: the projection is the resident process plus the measured
        //    256² activations of the same frame count × 4 (4× the pixels at every layer), so a one-pass 16-frame step
        //    that cannot fit is reported with its arithmetic instead of being OOM-killed; the chunked settings follow.
        if (args.Contains("--memory-512"))
        {
            // The 512² rows return freed memory, so the 256² rows measured that way are their basis when present.
            double? actUnits16 = (returnedUnits16 ?? units16)?.PeakGiB;
            double per512 = (blocks16?.Seconds ?? per16) * 4.4;
            double onePass = actUnits16 is null ? double.NaN : resident + 4 * (actUnits16.Value - resident);
            if (double.IsNaN(onePass) || onePass + MarginGiB <= CeilingGiB)
                Step(table, rows, "drag step, 16 frames 512², freed host memory returned", 16, 64, GradientCheckpointing.All, null,
                    double.IsNaN(onePass) ? 10 : onePass - resident, per512 * 1.4, clock, budget, null, returnFreed: true);
            else
                table.Add("memory: drag step, 16 frames 512², checkpointed units (All), one pass", double.NaN, "",
                    $"skipped: projected {onePass:0.0} GiB = resident {resident:0.00} + 4 × {actUnits16 - resident:0.00} GiB (the 16-frame 256² step's activations), above the {CeilingGiB:0} GiB ceiling");
            double? chunk4 = (returned4 ?? blocks4)?.PeakGiB;
            double chunkExtra = chunk4 is null ? 6 : 4 * (chunk4.Value - resident);
            Step(table, rows, "drag step, 16 frames 512² in 4-frame chunks (DragBatchFrames = 4), freed host memory returned", 16, 64, GradientCheckpointing.Blocks, null,
                chunkExtra, per512 * 1.3, clock, budget, null, batchFrames: 4, returnFreed: true);
            LoraStep(table, rows, 12, 64, 4, GradientCheckpointing.Blocks, extraGiB: chunkExtra, estimateS: per512 * 0.3, clock, budget);
            double lora12 = actUnits16 is null ? double.NaN : resident + 0.75 * 4 * (actUnits16.Value - resident);
            if (double.IsNaN(lora12) || lora12 + MarginGiB <= CeilingGiB)
                LoraStep(table, rows, 12, 64, 12, GradientCheckpointing.All, extraGiB: double.IsNaN(lora12) ? 10 : lora12 - resident,
                    estimateS: per512 * 0.75 * 1.5, clock, budget);
            else
                table.Add("memory: LoRA step rank 16, 12 frames 512², batch of 12 frames", double.NaN, "",
                    $"skipped: projected {lora12:0.0} GiB = resident {resident:0.00} + ¾ × 4 × {actUnits16 - resident:0.00} GiB, above the {CeilingGiB:0} GiB ceiling");
        }
        else
            table.Add("memory: 512² rows", double.NaN, "", "not run: add --memory-512 (and --memory-minutes 90) for the paper's resolution, ~15 min per row here");
        table.Add("memory section time", clock.Elapsed.TotalMinutes, "min", $"budget {budget.TotalMinutes:0} min");
    }

    /// <summary>Outcome of one measured row.</summary>
    private sealed record Measured(double PeakGiB, double Seconds);

    private static Measured? Step(QuickTable table, RowRunner rows, string what, int frames, int latent,
        GradientCheckpointing mode, int? slice, double extraGiB, double estimateS, Stopwatch clock, TimeSpan budget, Measured? plain,
        string reference = "plain", int batchFrames = 0, bool returnFreed = false, int runs = 1)
    {
        string name = $"memory: {what}, {Describe(mode, slice)}";
        if (!CanRun(table, name, rows.Resident + extraGiB, estimateS, clock, budget)) return null;
        var m = rows.Run(table, name, new RowSpec("drag", frames, latent, mode, slice ?? 0, batchFrames, returnFreed, runs));
        if (m is null) return null;
        string note = plain is null ? $"{m.Seconds:0} s per step" : $"{m.Seconds:0} s per step, time {m.Seconds / plain.Seconds:0.00}× {reference}, peak {m.PeakGiB / plain.PeakGiB:0.00}× {reference}";
        table.Add(name + " peak RSS", m.PeakGiB, "GiB", note);
        return m;
    }

    private static void LoraStep(QuickTable table, RowRunner rows, int frames, int latent, int batchFrames,
        GradientCheckpointing mode, double extraGiB, double estimateS, Stopwatch clock, TimeSpan budget)
    {
        string name = $"memory: LoRA step rank 16, {frames} frames {latent * 8}², batch of {batchFrames} frames, freed host memory returned, {Describe(mode, null)}";
        if (!CanRun(table, name, rows.Resident + extraGiB, estimateS, clock, budget)) return;
        var m = rows.Run(table, name, new RowSpec("lora", frames, latent, mode, 0, batchFrames, ReturnFreed: true));
        if (m is not null) table.Add(name + " peak RSS", m.PeakGiB, "GiB", $"{m.Seconds:0} s per step (AdamW on the adapters only)");
    }

    /// <summary>
    /// One measured step, as passed to a child process: drag or LoRA, frames, latent size, checkpointing, attention slice
    /// (0 = none), frame chunk (0 = none), freed memory returned, and how many times to run it (the time is the last
    /// run's: a process's first step was measured ~1.7× slower than its second, which would swamp a time ratio).
    /// </summary>
    private sealed record RowSpec(string Kind, int Frames, int Latent, GradientCheckpointing Mode, int Slice, int BatchFrames, bool ReturnFreed, int Runs = 1)
    {
        public string[] ToArgs() => new[] { Kind, $"{Frames}", $"{Latent}", $"{Mode}", $"{Slice}", $"{BatchFrames}", ReturnFreed ? "returned" : "kept", $"{Runs}" };

        public static RowSpec Parse(string[] a) => a.Length == 8
            ? new RowSpec(a[0], int.Parse(a[1], CultureInfo.InvariantCulture), int.Parse(a[2], CultureInfo.InvariantCulture),
                Enum.Parse<GradientCheckpointing>(a[3]), int.Parse(a[4], CultureInfo.InvariantCulture), int.Parse(a[5], CultureInfo.InvariantCulture),
                a[6] == "returned", int.Parse(a[7], CultureInfo.InvariantCulture))
            : throw new ArgumentException($"--memory-row needs kind frames latent mode slice batchFrames kept|returned runs; got {string.Join(' ', a)}");
    }

    /// <summary>Starts this benchmark program once per row (<c>--memory-row …</c>) and reads back its peak and time.</summary>
    private sealed class RowRunner(bool sd15Width, double resident)
    {
        public double Resident { get; } = resident;

        public Measured? Run(QuickTable table, string name, RowSpec spec)
        {
            string host = Environment.ProcessPath ?? "dotnet";
            var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            // Under `dotnet <dll>` the host is dotnet and the program is this assembly; an apphost is the program itself.
            if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
                psi.ArgumentList.Add(typeof(MemorySection).Assembly.Location);
            psi.ArgumentList.Add("--memory-row");
            foreach (var a in spec.ToArgs()) psi.ArgumentList.Add(a);
            if (!sd15Width) psi.ArgumentList.Add("--small");
            using var child = Process.Start(psi) ?? throw new InvalidOperationException("the memory row's child process did not start.");
            var stderr = child.StandardError.ReadToEndAsync();
            string stdout = child.StandardOutput.ReadToEnd();
            child.WaitForExit();
            var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("ROW ", StringComparison.Ordinal));
            if (child.ExitCode != 0 || line is null)
            {
                string why = child.ExitCode == 137 ? "killed (out of memory)" : $"exit code {child.ExitCode}: {stderr.Result.Split('\n').FirstOrDefault(l => l.Length > 0)}";
                table.Add(name, double.NaN, "", "failed: " + why);
                return null;
            }
            var parts = line.Split(' ');
            return new Measured(double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Child-process entry (<c>--memory-row kind frames latent mode slice batchFrames kept|returned [--small]</c>): builds
    /// the U-Net with random weights, runs the one step and prints <c>ROW peakGiB seconds</c> — the peak of a process that
    /// ran nothing else.
    /// </summary>
    public static int RunChild(string[] args)
    {
        var spec = RowSpec.Parse(args.Where(a => a != "--small").ToArray());
        TryLowerOomPriority();
        if (spec.ReturnFreed && !HostAllocator.ReturnFreedMemory()) throw new PlatformNotSupportedException("freed host memory cannot be returned here.");
        var config = BenchmarkUnet.Config(!args.Contains("--small"));
        using var model = new UNetMotionModel(config);
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad_(false);
        using var text = randn(1, 77, config.CrossAttentionDim[0]);
        model.GradientCheckpointing = spec.Mode;
        model.AttentionSliceSize = spec.Slice == 0 ? null : spec.Slice;
        Measured m;
        if (spec.Kind == "drag")
        {
            for (int i = 1; i < spec.Runs; i++) DragStep(model, text, spec.Frames, spec.Latent, spec.BatchFrames);
            m = Measure(() => DragStep(model, text, spec.Frames, spec.Latent, spec.BatchFrames));
        }
        else
        {
            using var network = LoraNetwork.Create(model, new LoraConfig { Rank = 16 });
            using var clip = randn(new long[] { 1, 4, spec.Frames, spec.Latent, spec.Latent });
            m = Measure(() => new LoraTrainer().Train(model, DdimScheduler.StableDiffusion15(), network, clip, text,
                new LoraTrainingOptions { Adapters = new LoraConfig { Rank = 16 }, Steps = 1, BatchFrames = spec.BatchFrames }));
            network.Detach();
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ROW {m.PeakGiB} {m.Seconds}"));
        return 0;
    }

    /// <summary>
    /// Spatial self-attention at 16 frames × 4,096 tokens (512²), 8 heads: forward + backward to q, k, v, whole and in
    /// query slices. Shows whether slicing lowers the peak with LibTorch's fused CPU attention.
    /// </summary>
    private static void SlicingRows(QuickTable table, int headDim)
    {
        const int Frames = 16, Heads = 8, Tokens = 4096;
        long inner = Heads * headDim;
        double attentionMatrixGiB = (double)Frames * Heads * Tokens * Tokens * 4 / (1L << 30);
        if (MemAvailableGiB() < 2 * attentionMatrixGiB + MarginGiB)
        {
            table.Add("memory: attention slicing rows", double.NaN, "", $"skipped: MemAvailable {MemAvailableGiB():0.0} GiB");
            return;
        }
        Measured? whole = null;
        foreach (int? slice in new int?[] { null, 1024, 256 })
        {
            var m = Measure(() =>
            {
                using var scope = NewDisposeScope();
                var q = randn(Frames, Tokens, inner).requires_grad_(true);
                var k = randn(Frames, Tokens, inner).requires_grad_(true);
                var v = randn(Frames, Tokens, inner).requires_grad_(true);
                var o = ScaledDotProductAttentionProcessor.Attend(q, k, v, Heads, slice);
                o.sum().backward();
                _ = q.grad!.abs().sum().item<float>();
            });
            whole ??= m;
            string label = slice is null ? "whole" : $"slices of {slice} queries";
            double above = m.PeakGiB - PeakMemory.CurrentMiB() / 1024;
            table.Add($"memory: spatial self-attention fwd+bwd, 16×4096 tokens, {label}", m.PeakGiB, "GiB",
                $"{m.Seconds * 1000:0} ms, time {m.Seconds / whole.Seconds:0.00}×; an explicit attention matrix would be {attentionMatrixGiB:0.0} GiB (peak {above:0.00} GiB above resident)");
        }
    }

    /// <summary>
    /// One step of the editor's drag optimiser (<see cref="DragLatentOptimizer"/>, K = 1) with a mask, so the pass is a
    /// full one (Eq. 3's mask term needs ẑ_{t−1}): features of up block 2 read around one handle per frame (Eq. 3, the
    /// feature size is half the frame's), the mask term on the DDIM step, backward to the latent and one Adam update —
    /// for each chunk of <paramref name="batchFrames"/> frames when it is not 0 (<see cref="DragOptimizationOptions.DragBatchFrames"/>).
    /// </summary>
    private static void DragStep(UNetMotionModel model, Tensor text, int frames, int latent, int batchFrames)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(7);
        var z = randn(new long[] { 1, 4, frames, latent, latent }, generator: g);
        int size = latent * 8;
        var scheduler = DdimScheduler.StableDiffusion15();
        scheduler.SetTimesteps(50);
        long t = scheduler.Timesteps[12]; // strength 0.75
        var pair = new DragPair(new DragPoint(size * 0.4f, size * 0.5f), new DragPoint(size * 0.55f, size * 0.5f));
        var mask = BinaryMask.FromFunction(size, size, (x, y) => x >= size / 4 && x < size * 3 / 4 && y >= size / 4 && y < size * 3 / 4);
        var input = new DragOptimizationInput(z, t, text, Enumerable.Repeat((IReadOnlyList<DragPair>)new[] { pair }, frames).ToList(),
            Enumerable.Repeat(mask, frames).ToList(), size, size);
        using var result = new DragLatentOptimizer(model, scheduler, options: new DragOptimizationOptions { Steps = 1, FeatureUpBlocks = new[] { 2 }, DragBatchFrames = batchFrames })
            .Optimize(input);
        int chunks = batchFrames == 0 ? 1 : (frames + batchFrames - 1) / batchFrames;
        if (result.UpdatesApplied != chunks) throw new InvalidOperationException($"the measured drag step applied {result.UpdatesApplied} updates; expected one per chunk ({chunks}).");
    }

    private static Measured Measure(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Without this, the high-water mark restarts at an RSS that still holds an earlier step's freed activations
        // (malloc keeps them), and the measured step would report that step's peak.
        HostAllocator.ReleaseFreedMemory();
        bool reset = PeakMemory.Reset();
        var sw = Stopwatch.StartNew();
        action();
        double seconds = sw.Elapsed.TotalSeconds;
        double peak = PeakMemory.PeakMiB() / 1024;
        return new Measured(reset ? peak : double.NaN, seconds);
    }

    private static bool CanRun(QuickTable table, string name, double needGiB, double estimateS, Stopwatch clock, TimeSpan budget)
    {
        double available = MemAvailableGiB();
        string? reason = null;
        if (available < needGiB + MarginGiB)
            reason = $"needs ~{needGiB:0} GiB, MemAvailable is {available:0.0} GiB";
        else if (needGiB > CeilingGiB)
            reason = $"would reach ~{needGiB:0} GiB, above the {CeilingGiB:0} GiB ceiling";
        else if (clock.Elapsed.TotalSeconds + estimateS > budget.TotalSeconds)
            reason = $"estimated {estimateS / 60:0.0} min would pass the {budget.TotalMinutes:0} min budget ({clock.Elapsed.TotalMinutes:0.0} min used)";
        if (reason is null) return true;
        table.Add(name, double.NaN, "", "skipped: " + reason);
        return false;
    }

    private static string Describe(GradientCheckpointing mode, int? slice) => mode switch
    {
        GradientCheckpointing.Off => "plain",
        GradientCheckpointing.Blocks => "checkpointed blocks",
        _ => "checkpointed units (All)",
    } + (slice is null ? "" : $", attention slices of {slice}");

    /// <summary>MemAvailable from /proc/meminfo in GiB (infinity where /proc is missing).</summary>
    internal static double MemAvailableGiB()
    {
        if (!File.Exists("/proc/meminfo")) return double.PositiveInfinity;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return double.Parse(parts[1], CultureInfo.InvariantCulture) / (1024.0 * 1024.0);
        }
        return double.PositiveInfinity;
    }

    /// <summary>Asks the kernel to kill this process first if memory runs out (the machine is shared).</summary>
    private static void TryLowerOomPriority()
    {
        try
        {
            File.WriteAllText("/proc/self/oom_score_adj", "1000");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not allowed: the MemAvailable checks still apply.
        }
    }

    private static double? ArgValue(string name)
    {
        var args = Environment.GetCommandLineArgs();
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
    }
}
