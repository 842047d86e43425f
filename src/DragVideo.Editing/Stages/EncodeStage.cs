using static TorchSharp.torch;

namespace DragVideo.Editing.Stages;

/// <summary>
/// Encoding: the prompt embedding now, and the clip's VAE latents on first use (<see cref="ClipLatents"/>), so an edit whose
/// LoRA and inverted latent both come from the cache never runs the VAE encoder.
/// </summary>
/// <param name="Text">prompt embedding <c>[1, 77, D]</c>.</param>
/// <param name="Latents">the clip's scaled latents <c>[1, C, F, h, w]</c>, encoded when first asked for.</param>
internal sealed record EncodeOutput(Tensor Text, ClipLatents Latents);

/// <summary>Encoding: prompt → embedding; frames → scaled latents (deferred).</summary>
internal sealed class EncodeStage(ILatentCodec codec, IPromptEncoder promptEncoder)
{
    /// <summary>Encodes the prompt; the returned latents encode the clip on first use. Tensors live in the caller's dispose scope.</summary>
    public EncodeOutput Run(EditState state) =>
        new(promptEncoder.Encode(state.Request.Prompt, state.Cancellation), new ClipLatents(codec, state));
}

/// <summary>The clip's VAE latents, encoded once, on first <see cref="Get"/> (reported and timed as <see cref="EditStage.Encoding"/>).</summary>
internal sealed class ClipLatents(ILatentCodec codec, EditState state)
{
    private Tensor? _latents;

    /// <summary>The latents <c>[1, C, F, h, w]</c> (in the caller's dispose scope).</summary>
    public Tensor Get() => _latents ??= state.Time(EditStage.Encoding, () =>
    {
        state.Report(EditStage.Encoding, 0, 1, "VAE encoding");
        var latents = codec.Encode(state.Clip.Frames, state.Cancellation);
        state.Report(EditStage.Encoding, 1, 1, $"latents [{string.Join(", ", latents.shape)}]");
        return latents;
    });
}
