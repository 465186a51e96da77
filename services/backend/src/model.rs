//! The to-do item, the request bodies, and title validation.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest title accepted, in characters (Unicode scalar values).
pub const MAX_TITLE_CHARS: usize = 200;

/// One to-do item as stored and returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: u64,
    pub title: String,
    pub done: bool,
    /// Creation time, RFC 3339 in UTC, e.g. `2026-11-26T23:53:00.123Z`.
    pub created_at: String,
}

/// Body of `POST /api/items`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub title: String,
}

/// Body of `PATCH /api/items/{id}`: absent (or null) fields stay as they are.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub done: Option<bool>,
}

/// Why a title was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TitleError {
    Empty,
    TooLong { chars: usize },
    ControlCharacter,
}

impl fmt::Display for TitleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "title must not be empty"),
            Self::TooLong { chars } => write!(
                f,
                "title must be at most {MAX_TITLE_CHARS} characters (got {chars})"
            ),
            Self::ControlCharacter => {
                write!(
                    f,
                    "title must not contain control characters such as newlines"
                )
            }
        }
    }
}

impl std::error::Error for TitleError {}

/// Trims `raw` and checks it is 1..=200 characters with no control characters.
pub fn validate_title(raw: &str) -> Result<String, TitleError> {
    let title = raw.trim();
    let chars = title.chars().count();
    if chars == 0 {
        Err(TitleError::Empty)
    } else if chars > MAX_TITLE_CHARS {
        Err(TitleError::TooLong { chars })
    } else if title.chars().any(char::is_control) {
        Err(TitleError::ControlCharacter)
    } else {
        Ok(title.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts() {
        assert_eq!(validate_title("  buy milk \t").unwrap(), "buy milk");
        assert_eq!(validate_title("x").unwrap(), "x");
        assert_eq!(validate_title("a  b").unwrap(), "a  b");
    }

    #[test]
    fn refuses_empty_and_blank() {
        assert_eq!(validate_title(""), Err(TitleError::Empty));
        assert_eq!(validate_title(" \n\t "), Err(TitleError::Empty));
    }

    #[test]
    fn counts_characters_not_bytes() {
        let max = "é".repeat(MAX_TITLE_CHARS);
        assert_eq!(validate_title(&max).unwrap(), max);
        let long = "é".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(
            validate_title(&long),
            Err(TitleError::TooLong { chars: 201 })
        );
        let padded = format!("  {}  ", "a".repeat(MAX_TITLE_CHARS));
        assert!(
            validate_title(&padded).is_ok(),
            "length is measured after trimming"
        );
    }

    #[test]
    fn refuses_inner_control_characters() {
        assert_eq!(validate_title("a\nb"), Err(TitleError::ControlCharacter));
        assert_eq!(validate_title("a\u{0}b"), Err(TitleError::ControlCharacter));
    }

    #[test]
    fn messages_name_the_rule() {
        assert!(
            TitleError::TooLong { chars: 201 }
                .to_string()
                .contains("200")
        );
        assert!(TitleError::Empty.to_string().contains("empty"));
    }

    #[test]
    fn bodies_refuse_unknown_fields() {
        assert!(serde_json::from_str::<NewItem>(r#"{"title":"a","x":1}"#).is_err());
        assert!(serde_json::from_str::<ItemPatch>(r#"{"done":true,"x":1}"#).is_err());
        let patch: ItemPatch = serde_json::from_str(r#"{"title":null}"#).unwrap();
        assert!(patch.title.is_none() && patch.done.is_none());
    }
}
