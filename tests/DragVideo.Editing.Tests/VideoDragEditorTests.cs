using DragVideo.Editing.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests;

public class VideoDragEditorTests(ITestOutputHelper output)
{
    private static readonly EditStage[] DiffusionStages =
    {
        EditStage.Preparing, EditStage.Propagation, EditStage.Encoding, EditStage.LoraTraining, EditStage.Inversion,
        EditStage.DragOptimization, EditStage.Denoising, EditStage.Decoding, EditStage.Completed,
    };

    /// <summary>Counts full or truncated U-Net passes: <c>conv_in</c> runs exactly once per pass.</summary>
    private sealed class PassCounter : IDisposable
    {
        private readonly TorchSharp.torch.nn.HookableModule<Func<TorchSharp.torch.nn.Module<Tensor, Tensor>, Tensor, Tensor>,
            Func<TorchSharp.torch.nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover _remover;
        private int _count;

        public PassCounter(IVideoDiffusionBackbone backbone)
        {
            var convIn = (TorchSharp.torch.nn.Module<Tensor, Tensor>)((TorchSharp.torch.nn.Module)backbone).named_modules()
                .Single(m => m.name == "conv_in").module;
            _remover = convIn.register_forward_hook((_, _, o) => { Interlocked.Increment(ref _count); return o; });
        }

        public int Take() => Interlocked.Exchange(ref _count, 0);

        public void Dispose() => _remover.remove();
    }

    [Fact]
    public async Task Edits_a_real_decoded_clip_end_to_end_and_a_different_second_drag_reuses_the_cached_LoRA_and_inversion()
    {
        using var tmp = new TempFolder("dv-editor-");
        var dir = tmp.Path;
        {
            using var clip = TinyEditor.RealClip();
            clip.Width.Should().Be(64);
            using var before = clip.Frames.clone();
            using var tiny = new TinyEditor();
            using var editor = tiny.Builder().Configure(TinyEditor.Quick)
                .Configure(o => o.Cache = o.Cache with { Directory = dir }).Build();
            using var passes = new PassCounter(editor.Components.Backbone);
            var reports = new List<EditProgress>();
            var request = TinyEditor.Request(clip.FrameCount);
            using var result = await editor.EditAsync(clip, request, new ListProgress<EditProgress>(reports));

            result.Backend.Should().Be("diffusion");
            result.EditedClip.Frames.shape.Should().Equal(clip.Frames.shape);
            result.Instruction.Frames.Should().HaveCount(clip.FrameCount);
            (clip.Frames - before).abs().max().item<float>().Should().Be(0, "the input clip is never modified");
            reports.Select(r => r.Stage).Distinct().Should().Contain(DiffusionStages);
            reports.Where(r => r.Stage == EditStage.LoraTraining).Should().HaveCount(3).And.OnlyContain(r => r.Loss > 0);
            reports.Where(r => r.Stage == EditStage.Inversion).Should().HaveCount(5);
            reports.Where(r => r.Stage == EditStage.Denoising).Should().HaveCount(5);
            var drag = reports.Where(r => r.Stage == EditStage.DragOptimization).ToList();
            drag.Should().HaveCount(3);
            // No tracking before the second step: the first report's distance is the propagated instruction's mean drag.
            drag[0].MeanHandleDistance!.Value.Should().BeApproximately(result.Instruction.MeanDragLength, 1e-3);
            passes.Take().Should().Be(3 + 5 + 3 + 5, "LoRA steps + inversion steps + drag steps + denoising steps, one U-Net pass each");
            result.StageTimings.Keys.Should().Contain(new[] { EditStage.LoraTraining, EditStage.Inversion, EditStage.DragOptimization, EditStage.Denoising, EditStage.Decoding });
            Directory.GetFiles(dir, "*.safetensors").Should().HaveCount(2, "the LoRA and the inverted latent are cached on disk");
            output.WriteLine(string.Join(", ", result.StageTimings.Select(kv => $"{kv.Key} {kv.Value.TotalSeconds:F2}s")));

            // A different drag on the same clip and prompt: LoRA and inversion come from the cache, the result differs.
            var second = new List<EditProgress>();
            var otherDrag = new DragRequest(request.Keyframes.Select(k => k with
            {
                Pairs = k.Pairs.Select(p => p with { Target = new DragPoint(p.Handle.X, p.Handle.Y - 12) }).ToList(),
            }).ToList());
            using var again = await editor.EditAsync(clip, otherDrag, new ListProgress<EditProgress>(second));
            second.Where(r => r.Stage == EditStage.LoraTraining).Should().ContainSingle().Which.Message.Should().Contain("cache");
            second.Where(r => r.Stage == EditStage.Inversion).Should().ContainSingle().Which.Message.Should().Contain("cache");
            second.Should().NotContain(r => r.Stage == EditStage.Encoding, "nothing needs the clean latents");
            int dragSteps = second.Count(r => r.Stage == EditStage.DragOptimization), denoiseSteps = second.Count(r => r.Stage == EditStage.Denoising);
            passes.Take().Should().Be(dragSteps + denoiseSteps, "no LoRA training and no inversion pass on a cache hit");
            double change = (again.EditedClip.Frames - result.EditedClip.Frames).abs().max().item<float>();
            output.WriteLine($"second drag: {dragSteps} drag + {denoiseSteps} denoising passes; max |Δframe| vs the first edit {change:F4}");
            change.Should().BeGreaterThan(1e-3, "a different drag gives a different edit");
        }
    }

    [Fact]
    public async Task Cancelling_during_the_drag_stops_within_a_step_writes_nothing_and_leaves_processors_and_scheduler_as_before()
    {
        using var tmp = new TempFolder("dv-cancel-");
        var dir = tmp.Path;
        {
            using var clip = TinyEditor.RealClip();
            using var tiny = new TinyEditor();
            using var editor = tiny.Builder().Configure(TinyEditor.Quick)
                .Configure(o => { o.Drag = o.Drag with { Steps = 10 }; o.Cache = o.Cache with { Directory = dir }; }).Build();
            var backbone = editor.Components.Backbone;
            var scheduler = editor.Components.Scheduler;
            scheduler.SetTimesteps(25); // a caller's own schedule on the shared scheduler
            var timestepsBefore = scheduler.Timesteps.ToList();
            var processorsBefore = backbone.AttentionLayers.Select(l => backbone.GetAttentionProcessor(l.Path)).ToList();
            using var cts = new CancellationTokenSource();
            var reports = new List<EditProgress>();
            bool loraAttachedDuringDrag = false;
            var progress = new ListProgress<EditProgress>(reports, r =>
            {
                if (r.Stage != EditStage.DragOptimization || r.Step != 1) return;
                loraAttachedDuringDrag = backbone.AttentionLayers.Any(l => backbone.GetAttentionProcessor(l.Path) is DragVideo.Diffusion.Lora.LoraAttentionProcessor);
                cts.Cancel();
            });
            var act = () => editor.EditAsync(clip, TinyEditor.Request(clip.FrameCount), progress, cts.Token);
            await act.Should().ThrowAsync<OperationCanceledException>();
            reports.Where(r => r.Stage == EditStage.DragOptimization).Should().ContainSingle("the drag stops before its second step");
            reports.Should().NotContain(r => r.Stage == EditStage.Denoising || r.Stage == EditStage.Completed);
            (Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir) : Array.Empty<string>()).Should().BeEmpty();
            editor.Cache!.MemoryCount.Should().Be(0);
            loraAttachedDuringDrag.Should().BeTrue("the trained LoRA was attached when the edit was cancelled");
            var processorsAfter = backbone.AttentionLayers.Select(l => backbone.GetAttentionProcessor(l.Path)).ToList();
            processorsAfter.Should().HaveSameCount(processorsBefore);
            for (int i = 0; i < processorsBefore.Count; i++)
                processorsAfter[i].Should().BeSameAs(processorsBefore[i], $"layer {backbone.AttentionLayers[i].Path} keeps its processor");
            scheduler.Timesteps.Should().Equal(timestepsBefore, "the edit restores the caller's schedule");
            backbone.MotionModulesEnabled.Should().BeTrue();
        }
    }

    [Fact]
    public async Task Per_frame_baseline_runs_without_motion_modules_and_restores_the_switch()
    {
        using var clip = TinyEditor.RealClip();
        using var tiny = new TinyEditor();
        using var editor = tiny.Builder().Configure(TinyEditor.Quick)
            .Configure(o => { o.MotionModulesEnabled = false; o.TrainLora = false; o.Cache = o.Cache with { Enabled = false }; }).Build();
        var seen = new List<bool>();
        var progress = new ListProgress<EditProgress>(new List<EditProgress>(), r =>
        {
            if (r.Stage == EditStage.Denoising) seen.Add(editor.Components.Backbone.MotionModulesEnabled);
        });
        using var result = await editor.EditAsync(clip, TinyEditor.Request(clip.FrameCount), progress);
        seen.Should().NotBeEmpty().And.OnlyContain(x => !x);
        editor.Components.Backbone.MotionModulesEnabled.Should().BeTrue();
        result.EditedClip.FrameCount.Should().Be(clip.FrameCount);
    }

    [Fact]
    public async Task A_model_path_is_loaded_by_the_builder_with_the_configured_load_options()
    {
        using var clip = TinyEditor.RealClip();
        using var prompt = new TinyEditor.TinyClipPromptEncoder(); // the tiny CLIP's 1,000-token vocabulary cannot take real CLIP ids
        using var editor = new DragVideoBuilder()
            .UseModelPath(DragVideo.Testing.Fixtures.PathOf("single_file", "tiny-sd15.safetensors"),
                DragVideo.Testing.Fixtures.PathOf("motion", "motion_adapter"))
            .Configure(o => o.ModelLoading = o.ModelLoading with
            {
                OriginalConfigPath = DragVideo.Testing.Fixtures.PathOf("single_file", "tiny-sd15.yaml"),
                NormNumGroups = 8,
                TokenizerPath = DragVideo.Testing.Fixtures.PathOf("tokenizer"),
                TextEncoderConfig = DragVideo.Diffusion.Modules.Clip.ClipTextConfig.FromJsonFile(DragVideo.Testing.Fixtures.PathOf("clip_text", "config.json")),
            })
            .Configure(TinyEditor.Quick)
            .Configure(o => { o.TrainLora = false; o.Cache = o.Cache with { Enabled = false }; })
            .UsePromptEncoder(prompt)
            .Build();
        editor.Components.Backbone.Should().BeOfType<DragVideo.Diffusion.Modules.Motion.UNetMotionModel>();
        editor.Components.Codec.DownsampleFactor.Should().Be(2);
        using var result = await editor.EditAsync(clip, TinyEditor.Request(clip.FrameCount));
        result.EditedClip.Frames.shape.Should().Equal(clip.Frames.shape);
    }

    [Fact]
    public async Task A_trained_LoRA_at_scale_zero_gives_exactly_the_edit_without_LoRA()
    {
        using var clip = TinyEditor.RealClip();
        var request = TinyEditor.Request(clip.FrameCount);
        using var tiny = new TinyEditor();
        var builder = tiny.Builder().Configure(TinyEditor.Quick).Configure(o => o.Cache = o.Cache with { Enabled = false });
        using var scaledOff = builder.Configure(o => o.LoraScale = 0).Build();
        using var withZero = await scaledOff.EditAsync(clip, request);
        using var noLora = tiny.Builder().Configure(TinyEditor.Quick)
            .Configure(o => { o.TrainLora = false; o.Cache = o.Cache with { Enabled = false }; }).Build();
        using var without = await noLora.EditAsync(clip, request);
        (withZero.EditedClip.Frames - without.EditedClip.Frames).abs().max().item<float>().Should().Be(0);
    }
}
