namespace DragVideo;

/// <summary>
/// A drag request over a clip: instructions on any number of key frames (the paper uses the first and the last) and the
/// text prompt. Validate against a clip with <see cref="DragRequestValidator"/>.
/// </summary>
/// <param name="Keyframes">key-frame instructions, at distinct frame indices.</param>
/// <param name="Prompt">text prompt for the diffusion editor; the paper's default is "best quality".</param>
public sealed record DragRequest(IReadOnlyList<KeyframeDrag> Keyframes, string Prompt = DragRequest.DefaultPrompt)
{
    /// <summary>The paper's default prompt (no classifier-free guidance is used).</summary>
    public const string DefaultPrompt = "best quality";
}
