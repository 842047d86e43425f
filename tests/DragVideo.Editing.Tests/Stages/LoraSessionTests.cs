using DragVideo.Diffusion.Lora;
using DragVideo.Editing.Stages;
using DragVideo.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Stages;

/// <summary>The LoRA session owns attach / freeze / scale / detach; the LoRA stage never leaves adapters behind.</summary>
public sealed class LoraSessionTests
{
    private static readonly LoraConfig SmallAdapters = new() { Rank = 2 };

    private static List<IAttentionProcessor> Processors(IVideoDiffusionBackbone backbone) =>
        backbone.AttentionLayers.Select(l => backbone.GetAttentionProcessor(l.Path)).ToList();

    [Fact]
    public void Disposing_the_session_detaches_the_adapters_when_a_later_stage_throws()
    {
        using var model = TinyDiffusion.Load();
        var before = Processors(model);
        LoraSession? seen = null;
        var act = () =>
        {
            using var session = LoraSession.Open(model, SmallAdapters);
            seen = session;
            using (var weights = new StateDictScope(LoraNetwork.Create(model, SmallAdapters)))
                session.Restore(weights.Tensors, "test");
            session.IsAttached.Should().BeTrue();
            Processors(model).Should().Contain(p => p is LoraAttentionProcessor);
            throw new InvalidOperationException("the drag stage failed");
        };
        act.Should().Throw<InvalidOperationException>().WithMessage("the drag stage failed");
        seen!.IsAttached.Should().BeFalse();
        Processors(model).Should().Equal(before, "every layer has its previous processor back");
    }

    [Fact]
    public void The_LoRA_stage_detaches_its_session_when_training_is_cancelled()
    {
        using var model = TinyDiffusion.Load();
        var before = Processors(model);
        using var latents = TinyDiffusion.MovingBlobLatent(2);
        using var text = TinyDiffusion.TextEmbedding();
        using var cts = new CancellationTokenSource();
        var options = new DragVideoOptions { Lora = new LoraTrainingOptions { Steps = 5, BatchFrames = 2, Adapters = SmallAdapters } };
        var reports = new List<EditProgress>();
        bool attachedWhileTraining = false;
        var progress = new ListProgress<EditProgress>(reports, r =>
        {
            attachedWhileTraining |= Processors(model).Any(p => p is LoraAttentionProcessor);
            if (r.Step == 2) cts.Cancel();
        });
        using var clip = new VideoClip(zeros(2, 3, 32, 32), 8);
        using var state = new EditState(clip, new DragRequest(Array.Empty<KeyframeDrag>()), progress, cts.Token);
        var stage = new LoraStage(model, TinyDiffusion.Scheduler(), options, cache: null, NullLoggerFactory.Instance);
        var encoded = new EncodeOutput(text, new ClipLatents(new FixedLatents(latents), state));

        var act = () => stage.Run(state, new LoraStageInput(encoded, "unused"));
        act.Should().Throw<OperationCanceledException>();
        attachedWhileTraining.Should().BeTrue();
        reports.Where(r => r.Stage == EditStage.LoraTraining).Should().HaveCount(2, "training stops at the first check after the cancel");
        Processors(model).Should().Equal(before, "the stage disposed its session");
    }

    [Fact]
    public void Freeze_turns_off_the_adapters_gradients_and_sets_their_scale()
    {
        using var model = TinyDiffusion.Load();
        using var session = LoraSession.Open(model, SmallAdapters);
        using (var weights = new StateDictScope(LoraNetwork.Create(model, SmallAdapters)))
            session.Restore(weights.Tensors, "test");
        var network = session.Adapters!;
        foreach (var p in network.Parameters()) p.requires_grad_(true);
        session.Freeze(0.25);
        network.Parameters().Should().OnlyContain(p => !p.requires_grad);
        network.Scale.Should().Be(0.25);
    }

    [Fact]
    public void A_session_without_LoRA_changes_nothing_and_refuses_to_train()
    {
        using var model = TinyDiffusion.Load();
        var before = Processors(model);
        using (var none = LoraSession.None())
        {
            none.Freeze(0.5);
            none.IsAttached.Should().BeFalse();
            var act = () => none.StateDict();
            act.Should().Throw<InvalidOperationException>().WithMessage("*without LoRA*");
        }
        Processors(model).Should().Equal(before);
    }

    /// <summary>Another network's weights as a state dict, freed with the network.</summary>
    private sealed class StateDictScope(LoraNetwork network) : IDisposable
    {
        public Dictionary<string, Tensor> Tensors { get; } = network.StateDict();

        public void Dispose()
        {
            foreach (var t in Tensors.Values) t.Dispose();
            network.Dispose();
        }
    }

    /// <summary>A codec whose encoder returns given latents (the stage under test only needs the latents).</summary>
    private sealed class FixedLatents(Tensor latents) : ILatentCodec
    {
        public int DownsampleFactor => 2;
        public Tensor Encode(Tensor frames, CancellationToken cancellationToken = default) => latents.alias();
        public Tensor Decode(Tensor latents, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
