using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Tokenizers;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Pipeline;

/// <summary>The CLIP text encoder and tokenizer as an <see cref="IPromptEncoder"/> (last hidden state, padded to 77).</summary>
public sealed class ClipPromptEncoder : IPromptEncoder, IWeightFingerprint
{
    private readonly ClipTextModel _model;
    private readonly ClipTokenizer _tokenizer;
    private readonly Lazy<string> _fingerprint;

    /// <summary>Wraps a loaded text encoder and its tokenizer.</summary>
    /// <exception cref="ModelLoadException">the tokenizer produces ids the text encoder has no embedding for.</exception>
    public ClipPromptEncoder(ClipTextModel model, ClipTokenizer tokenizer)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        // Fail when the pipeline is built, not at the first prompt: a tokenizer from another model (or a tiny test
        // encoder) would otherwise surface as an index error deep inside the embedding lookup.
        if (tokenizer.VocabularySize > model.Config.VocabSize)
            throw new ModelLoadException(
                $"The tokenizer has {tokenizer.VocabularySize} tokens but the text encoder embeds only {model.Config.VocabSize}; " +
                "use the tokenizer that belongs to this text encoder.");
        _fingerprint = new Lazy<string>(() => DragVideo.Diffusion.Loading.WeightFingerprint.Of(_model) + ":" +
            _tokenizer.VocabularySize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    public string WeightFingerprint => _fingerprint.Value;

    /// <inheritdoc />
    public Tensor Encode(string prompt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        cancellationToken.ThrowIfCancellationRequested();
        return _model.EncodePrompts(_tokenizer, new[] { prompt });
    }
}
