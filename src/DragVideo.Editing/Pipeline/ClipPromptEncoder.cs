using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Tokenizers;
using static TorchSharp.torch;

namespace DragVideo.Editing.Pipeline;

/// <summary>The CLIP text encoder and tokenizer as an <see cref="IPromptEncoder"/> (last hidden state, padded to 77).</summary>
public sealed class ClipPromptEncoder : IPromptEncoder
{
    private readonly ClipTextModel _model;
    private readonly ClipTokenizer _tokenizer;

    /// <summary>Wraps a loaded text encoder and its tokenizer.</summary>
    public ClipPromptEncoder(ClipTextModel model, ClipTokenizer tokenizer)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
    }

    /// <inheritdoc />
    public Tensor Encode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return _model.EncodePrompts(_tokenizer, new[] { prompt });
    }
}
