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

    [Fact]
    public async Task Edits_a_real_decoded_clip_end_to_end_and_a_second_drag_reuses_the_LoRA_and_the_inversion()
    {
        using var tmp = new TempFolder("dv-editor-");
        var dir = tmp.Path;
        {
            using var clip = TinyEditor.RealClip();
            clip.Width.Should().Be(64);
            using var before = clip.Frames.clone();
            using var editor = TinyEditor.Builder().Configure(TinyEditor.Quick)
                .Configure(o => o.Cache = o.Cache with { Directory = dir }).Build();
            var reports = new List<EditProgress>();
            using var result = await editor.EditAsync(clip, TinyEditor.Request(clip.FrameCount), new ListProgress<EditProgress>(reports));

            result.Backend.Should().Be("diffusion");
            result.EditedClip.FrameCount.Should().Be(clip.FrameCount);
            result.EditedClip.Width.Should().Be(64);
            result.EditedClip.Height.Should().Be(64);
            result.EditedClip.Frames.isfinite().all().item<bool>().Should().BeTrue();
            result.EditedClip.Frames.min().item<float>().Should().BeGreaterThanOrEqualTo(0);
            result.EditedClip.Frames.max().item<float>().Should().BeLessThanOrEqualTo(1);
            result.Instruction.Frames.Should().HaveCount(clip.FrameCount);
            (clip.Frames - before).abs().max().item<float>().Should().Be(0, "the input clip is never modified");
            reports.Select(r => r.Stage).Distinct().Should().Contain(DiffusionStages);
            reports.Where(r => r.Stage == EditStage.LoraTraining).Should().HaveCount(3).And.OnlyContain(r => r.Loss > 0);
            reports.Where(r => r.Stage == EditStage.Inversion).Should().HaveCount(5);
            reports.Where(r => r.Stage == EditStage.DragOptimization).Should().OnlyContain(r => r.MeanHandleDistance >= 0);
            reports.Where(r => r.Stage == EditStage.Denoising).Should().HaveCount(5);
            result.StageTimings.Keys.Should().Contain(new[] { EditStage.LoraTraining, EditStage.Inversion, EditStage.DragOptimization, EditStage.Denoising, EditStage.Decoding });
            Directory.GetFiles(dir, "*.safetensors").Should().HaveCount(2, "the LoRA and the inverted latent are cached on disk");
            output.WriteLine(string.Join(", ", result.StageTimings.Select(kv => $"{kv.Key} {kv.Value.TotalSeconds:F2}s")));

            var second = new List<EditProgress>();
            var otherDrag = TinyEditor.Request(clip.FrameCount) with { };
            using var again = await editor.EditAsync(clip, otherDrag, new ListProgress<EditProgress>(second));
            second.Where(r => r.Stage == EditStage.LoraTraining).Should().ContainSingle().Which.Message.Should().Contain("cache");
            second.Where(r => r.Stage == EditStage.Inversion).Should().ContainSingle().Which.Message.Should().Contain("cache");
            second.Should().NotContain(r => r.Stage == EditStage.Encoding, "nothing needs the clean latents");
            (again.EditedClip.Frames - result.EditedClip.Frames).abs().max().item<float>().Should().BeLessThan(1e-5f,
                "the cached LoRA and latent give the same edit");
        }
    }

    [Fact]
    public async Task Cancelling_during_the_drag_stops_within_a_step_and_writes_nothing()
    {
        using var tmp = new TempFolder("dv-cancel-");
        var dir = tmp.Path;
        {
            using var clip = TinyEditor.RealClip();
            using var editor = TinyEditor.Builder().Configure(TinyEditor.Quick)
                .Configure(o => { o.Drag = o.Drag with { Steps = 10 }; o.Cache = o.Cache with { Directory = dir }; }).Build();
            using var cts = new CancellationTokenSource();
            var reports = new List<EditProgress>();
            var progress = new ListProgress<EditProgress>(reports, r => { if (r.Stage == EditStage.DragOptimization && r.Step == 1) cts.Cancel(); });
            var act = () => editor.EditAsync(clip, TinyEditor.Request(clip.FrameCount), progress, cts.Token);
            await act.Should().ThrowAsync<OperationCanceledException>();
            reports.Where(r => r.Stage == EditStage.DragOptimization).Should().ContainSingle("the drag stops before its second step");
            reports.Should().NotContain(r => r.Stage == EditStage.Denoising || r.Stage == EditStage.Completed);
            (Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir) : Array.Empty<string>()).Should().BeEmpty();
            editor.Cache!.MemoryCount.Should().Be(0);
            editor.Components.Backbone.AttentionLayers.Select(l => editor.Components.Backbone.GetAttentionProcessor(l.Path))
                .Should().NotContain(p => p is DragVideo.Diffusion.Lora.LoraAttentionProcessor, "the LoRA is detached after a cancelled edit");
        }
    }

    [Fact]
    public async Task Per_frame_baseline_runs_without_motion_modules_and_restores_the_switch()
    {
        using var clip = TinyEditor.RealClip();
        using var editor = TinyEditor.Builder().Configure(TinyEditor.Quick)
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
            .UsePromptEncoder(new TinyEditor.TinyClipPromptEncoder()) // the tiny CLIP's 1,000-token vocabulary cannot take real CLIP ids
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
        var builder = TinyEditor.Builder().Configure(TinyEditor.Quick).Configure(o => o.Cache = o.Cache with { Enabled = false });
        using var scaledOff = builder.Configure(o => o.LoraScale = 0).Build();
        using var withZero = await scaledOff.EditAsync(clip, request);
        using var noLora = TinyEditor.Builder().Configure(TinyEditor.Quick)
            .Configure(o => { o.TrainLora = false; o.Cache = o.Cache with { Enabled = false }; }).Build();
        using var without = await noLora.EditAsync(clip, request);
        (withZero.EditedClip.Frames - without.EditedClip.Frames).abs().max().item<float>().Should().Be(0);
    }
}
