//! sentence-transformers all-MiniLM-L6-v2 on the CPU: a 6-layer BERT (hidden size 384, 12 heads)
//! read from its safetensors file with candle, the model's own WordPiece tokenizer, mean pooling
//! over the real tokens, and L2 normalisation, as sentence-transformers computes it.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use candle_core::{D, DType, Device, Tensor};
use sha2::{Digest, Sha256};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

/// The SHA-256 of the published `model.safetensors` (what `scripts/setup.sh` checks too).
pub const WEIGHTS_SHA256: &str = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";
pub const NAME: &str = "all-MiniLM-L6-v2";
pub const DIMENSIONS: usize = 384;
/// sentence-transformers truncates this model's input at 256 word pieces.
const MAX_TOKENS: usize = 256;
const LAYERS: usize = 6;
const HEADS: usize = 12;
const LAYER_NORM_EPS: f64 = 1e-12;

/// Where `scripts/setup.sh` installs the model (`~/.cache/ejento/models/all-MiniLM-L6-v2`),
/// unless `EJENTO_EMBEDDING_MODEL_DIR` says otherwise; `None` when no weights are there.
pub fn installed_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("EJENTO_EMBEDDING_MODEL_DIR")
        .map(PathBuf::from)
        .or_else(default_dir)?;
    dir.join("model.safetensors").exists().then_some(dir)
}

/// The folder `scripts/setup.sh` installs the model into: `~/.cache/ejento/models/all-MiniLM-L6-v2`.
pub fn default_dir() -> Option<PathBuf> {
    Some(
        Path::new(&std::env::var_os("HOME")?)
            .join(".cache/ejento/models")
            .join(NAME),
    )
}

pub struct MiniLm {
    tokenizer: Tokenizer,
    word_embeddings: Tensor,
    position_embeddings: Tensor,
    token_type_embedding: Tensor,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
}

struct Linear {
    /// (in, out): transposed once at load, so a forward pass is one matmul.
    weight: Tensor,
    bias: Tensor,
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

impl Linear {
    fn load(weights: &mut HashMap<String, Tensor>, name: &str) -> anyhow::Result<Self> {
        Ok(Self {
            weight: take(weights, &format!("{name}.weight"))?.t()?.contiguous()?,
            bias: take(weights, &format!("{name}.bias"))?,
        })
    }

    /// `x`: (rows, in) → (rows, out).
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight)?.broadcast_add(&self.bias)
    }
}

impl LayerNorm {
    fn load(weights: &mut HashMap<String, Tensor>, name: &str) -> anyhow::Result<Self> {
        Ok(Self {
            weight: take(weights, &format!("{name}.weight"))?,
            bias: take(weights, &format!("{name}.bias"))?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let centred = x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?;
        let variance = centred.sqr()?.mean_keepdim(D::Minus1)?;
        centred
            .broadcast_div(&(variance + LAYER_NORM_EPS)?.sqrt()?)?
            .broadcast_mul(&self.weight)?
            .broadcast_add(&self.bias)
    }
}

fn take(weights: &mut HashMap<String, Tensor>, name: &str) -> anyhow::Result<Tensor> {
    weights
        .remove(name)
        .with_context(|| format!("the model has no tensor {name}"))
}

impl MiniLm {
    /// Reads `model.safetensors` and `tokenizer.json` from `dir`, refusing weights whose SHA-256
    /// is not the published one.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let weights_path = dir.join("model.safetensors");
        let bytes = std::fs::read(&weights_path).with_context(|| format!("cannot read {}", weights_path.display()))?;
        let digest = hex::encode(Sha256::digest(&bytes));
        if digest != WEIGHTS_SHA256 {
            bail!(
                "{} is not the published {NAME} (SHA-256 {digest}, expected {WEIGHTS_SHA256})",
                weights_path.display()
            );
        }
        let mut weights = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)?;
        drop(bytes);
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.join("tokenizer.json").display()))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| anyhow::anyhow!("tokenizer truncation: {e}"))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        let token_types = take(&mut weights, "embeddings.token_type_embeddings.weight")?;
        let mut layers = Vec::with_capacity(LAYERS);
        for n in 0..LAYERS {
            let p = format!("encoder.layer.{n}");
            layers.push(Layer {
                query: Linear::load(&mut weights, &format!("{p}.attention.self.query"))?,
                key: Linear::load(&mut weights, &format!("{p}.attention.self.key"))?,
                value: Linear::load(&mut weights, &format!("{p}.attention.self.value"))?,
                attention_out: Linear::load(&mut weights, &format!("{p}.attention.output.dense"))?,
                attention_norm: LayerNorm::load(&mut weights, &format!("{p}.attention.output.LayerNorm"))?,
                intermediate: Linear::load(&mut weights, &format!("{p}.intermediate.dense"))?,
                output: Linear::load(&mut weights, &format!("{p}.output.dense"))?,
                output_norm: LayerNorm::load(&mut weights, &format!("{p}.output.LayerNorm"))?,
            });
        }
        Ok(Self {
            tokenizer,
            word_embeddings: take(&mut weights, "embeddings.word_embeddings.weight")?,
            position_embeddings: take(&mut weights, "embeddings.position_embeddings.weight")?,
            // Every input is one segment: type 0.
            token_type_embedding: token_types.narrow(0, 0, 1)?,
            embeddings_norm: LayerNorm::load(&mut weights, "embeddings.LayerNorm")?,
            layers,
        })
    }

    /// One unit-length vector per text. CPU-bound: call it off the async runtime.
    pub fn embed(&self, texts: &[&str]) -> anyhow::Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| anyhow::anyhow!("tokenize: {e}"))?;
        let (batch, len) = (encodings.len(), encodings[0].get_ids().len());
        let ids: Vec<u32> = encodings.iter().flat_map(|e| e.get_ids().iter().copied()).collect();
        let mask: Vec<f32> = encodings
            .iter()
            .flat_map(|e| e.get_attention_mask().iter().map(|&m| m as f32))
            .collect();
        let ids = Tensor::from_vec(ids, batch * len, &Device::Cpu)?;
        let mask = Tensor::from_vec(mask, (batch, len), &Device::Cpu)?;

        let hidden = DIMENSIONS;
        let head = hidden / HEADS;
        let mut x = self
            .word_embeddings
            .index_select(&ids, 0)?
            .reshape((batch, len, hidden))?
            .broadcast_add(&self.position_embeddings.narrow(0, 0, len)?)?
            .broadcast_add(&self.token_type_embedding)?;
        x = self.embeddings_norm.forward(&x)?.reshape((batch * len, hidden))?;
        // Padding is never attended to: minus a large number before the softmax.
        let attention_bias = ((mask.clone() - 1.0)? * 1e4)?.reshape((batch, 1, 1, len))?;
        let scale = 1.0 / (head as f64).sqrt();
        let heads = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((batch, len, HEADS, head))?.transpose(1, 2)?.contiguous()
        };
        for layer in &self.layers {
            let q = heads(layer.query.forward(&x)?)?;
            let k = heads(layer.key.forward(&x)?)?;
            let v = heads(layer.value.forward(&x)?)?;
            let scores = (q.matmul(&k.t()?.contiguous()?)? * scale)?.broadcast_add(&attention_bias)?;
            let scores = scores.broadcast_sub(&scores.max_keepdim(D::Minus1)?)?.exp()?;
            let weights = scores.broadcast_div(&scores.sum_keepdim(D::Minus1)?)?;
            let context = weights
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((batch * len, hidden))?;
            x = layer
                .attention_norm
                .forward(&(layer.attention_out.forward(&context)? + &x)?)?;
            let inner = layer.intermediate.forward(&x)?.gelu_erf()?;
            x = layer.output_norm.forward(&(layer.output.forward(&inner)? + &x)?)?;
        }
        // Mean over the real tokens, then unit length.
        let x = x.reshape((batch, len, hidden))?;
        let summed = x.broadcast_mul(&mask.unsqueeze(2)?)?.sum(1)?;
        let counts = mask.sum_keepdim(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        Ok(mean.broadcast_div(&norm)?.to_dtype(DType::F32)?.to_vec2()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// Reference values computed once, independently of this code: the Python `tokenizers`
    /// package (0.23.3) for the word pieces, and a plain numpy forward pass of the same BERT
    /// (post-layer-norm, erf GELU, mean pooling over all tokens, L2 norm) in float32. What they
    /// show: the first eight coordinates of each vector, and the cosines that make the model
    /// useful, a paraphrase pair far above unrelated pairs.
    const REFERENCE: [(&str, [f32; 8]); 5] = [
        (
            "Can I get my money back on a yearly subscription?",
            [
                -0.044311, -0.014418, -0.019354, -0.018475, -0.038363, 0.054467, -0.008369, -0.109355,
            ],
        ),
        (
            "Annual plans cancelled mid-term are refunded pro rata.",
            [
                -0.021621, 0.027277, 0.05781, -0.055653, 0.033648, 0.008227, -0.006473, -0.015729,
            ],
        ),
        (
            "Failed card payments are retried three times before the account is paused.",
            [
                0.037185, -0.024867, -0.014867, -0.012286, -0.034131, 0.016317, 0.016437, -0.059775,
            ],
        ),
        (
            "A man is playing a guitar.",
            [
                0.021664, -0.004864, -0.009649, -0.063401, -0.167494, 0.004676, 0.0806, -0.024142,
            ],
        ),
        (
            "Someone plays an instrument.",
            [
                0.03849, 0.000855, 0.005676, -0.091064, -0.199028, 0.064769, 0.113978, 0.054946,
            ],
        ),
    ];

    #[test]
    fn matches_an_independent_reference_and_ranks_paraphrases_above_unrelated_text() {
        let Some(dir) = installed_dir() else {
            eprintln!("skipped: the embedding model is not installed (scripts/setup.sh installs it)");
            return;
        };
        let model = MiniLm::load(&dir).unwrap();
        let texts: Vec<&str> = REFERENCE.iter().map(|(t, _)| *t).collect();
        // One batch: the shorter texts are padded, which must change nothing.
        let together = model.embed(&texts).unwrap();
        for ((text, first), vector) in REFERENCE.iter().zip(&together) {
            assert_eq!(vector.len(), DIMENSIONS);
            assert!((dot(vector, vector) - 1.0).abs() < 1e-5, "unit length");
            for (got, want) in vector.iter().zip(first) {
                assert!(
                    (got - want).abs() < 1e-4,
                    "{text}: {:?} against {first:?}",
                    &vector[..8]
                );
            }
            let alone = model.embed(&[text]).unwrap().remove(0);
            assert!(
                dot(&alone, vector) > 0.99999,
                "{text}: the same alone as in a padded batch"
            );
        }
        let cos = |a: usize, b: usize| dot(&together[a], &together[b]);
        // Reference cosines: guitar / instrument 0.667446; refund question / refund rule 0.395784;
        // refund question / failed payments 0.350645; music / billing between -0.12 and -0.02.
        for ((a, b), want) in [((3, 4), 0.667446), ((0, 1), 0.395784), ((0, 2), 0.350645)] {
            assert!((cos(a, b) - want).abs() < 1e-4, "cos({a}, {b}) = {}", cos(a, b));
        }
        for music in [3, 4] {
            for billing in [0, 1, 2] {
                assert!(cos(3, 4) > cos(music, billing) + 0.6);
            }
        }
        assert!(cos(0, 1) > cos(0, 2), "the refund rule is nearer the refund question");
    }

    #[test]
    fn refuses_weights_that_are_not_the_published_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("model.safetensors"), b"not a model").unwrap();
        let error = MiniLm::load(dir.path()).err().expect("refused").to_string();
        assert!(error.contains("is not the published all-MiniLM-L6-v2"), "{error}");
        let error = MiniLm::load(&dir.path().join("absent"))
            .err()
            .expect("refused")
            .to_string();
        assert!(error.contains("cannot read"), "{error}");
    }
}
