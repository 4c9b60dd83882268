//! Topics: `NAME=kw1,kw2`. A post belongs to a topic when its text contains one of the
//! keywords as a whole word or phrase (case-insensitive), with or without a leading `#`;
//! a keyword written `#tag` matches only the hashtag. A post can belong to several topics,
//! hence a bit mask (at most [`MAX_TOPICS`]).

use crate::error::BlueskyError;

pub const MAX_TOPICS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub name: String,
    /// Lower-cased keywords; a leading `#` means "hashtag only".
    pub keywords: Vec<String>,
}

impl Topic {
    /// Parse `NAME=kw1,kw2`. Names become file names, so they are kept to `[A-Za-z0-9_-]`.
    pub fn parse(text: &str) -> Result<Topic, BlueskyError> {
        let bad = |reason: &str| BlueskyError::BadTopic {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let (name, kws) = text
            .split_once('=')
            .ok_or_else(|| bad("write it as NAME=keyword1,keyword2"))?;
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(bad(
                "the name must be letters, digits, `_` or `-` (it names the output file)",
            ));
        }
        let keywords: Vec<String> = kws
            .split(',')
            .map(|k| k.trim().to_lowercase())
            .filter(|k| !k.is_empty() && k != "#")
            .collect();
        if keywords.is_empty() {
            return Err(bad("give at least one keyword after `=`"));
        }
        Ok(Topic {
            name: name.to_string(),
            keywords,
        })
    }
}

/// All topics of one import, matched together.
#[derive(Debug, Clone, Default)]
pub struct TopicSet {
    topics: Vec<Topic>,
}

impl TopicSet {
    pub fn new(topics: Vec<Topic>) -> Result<Self, BlueskyError> {
        if topics.len() > MAX_TOPICS {
            return Err(BlueskyError::Invalid(format!(
                "at most {MAX_TOPICS} topics per import, got {}",
                topics.len()
            )));
        }
        for (i, t) in topics.iter().enumerate() {
            if topics[..i].iter().any(|u| u.name == t.name) {
                return Err(BlueskyError::Invalid(format!(
                    "topic `{}` is given twice",
                    t.name
                )));
            }
        }
        Ok(TopicSet { topics })
    }

    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }

    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// Bit `i` set when the text belongs to topic `i`.
    pub fn mask(&self, text: &str) -> u32 {
        if self.topics.is_empty() || text.is_empty() {
            return 0;
        }
        let lower = text.to_lowercase();
        let mut mask = 0u32;
        for (i, t) in self.topics.iter().enumerate() {
            if t.keywords.iter().any(|k| contains_keyword(&lower, k)) {
                mask |= 1 << i;
            }
        }
        mask
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whole-word (or phrase) occurrence of a lower-case keyword in lower-case text.
fn contains_keyword(text: &str, keyword: &str) -> bool {
    let hashtag_only = keyword.starts_with('#');
    for (at, _) in text.match_indices(keyword) {
        let before = text[..at].chars().next_back();
        let after = text[at + keyword.len()..].chars().next();
        let starts_ok = match before {
            None => true,
            Some(c) if hashtag_only => !is_word_char(c) && c != '#',
            Some(c) => !is_word_char(c),
        };
        let ends_ok = after.is_none_or(|c| !is_word_char(c));
        if starts_ok && ends_ok {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_topics() {
        let t = Topic::parse("climate=Climate, #COP29 ,global warming").unwrap();
        assert_eq!(t.name, "climate");
        assert_eq!(t.keywords, ["climate", "#cop29", "global warming"]);
        for bad in ["climate", "=x", "a b=x", "x=", "x= , ", "../x=y"] {
            assert!(Topic::parse(bad).is_err(), "{bad}");
        }
        assert!(TopicSet::new(vec![t.clone(), t]).is_err());
    }

    #[test]
    fn matching_words_phrases_and_hashtags() {
        let set = TopicSet::new(vec![
            Topic::parse("climate=climate,global warming").unwrap(),
            Topic::parse("cop=#cop29").unwrap(),
        ])
        .unwrap();
        assert_eq!(set.mask("Climate is changing"), 0b01);
        assert_eq!(set.mask("#CLIMATE!"), 0b01);
        assert_eq!(set.mask("climatechange"), 0);
        assert_eq!(set.mask("on Global Warming."), 0b01);
        assert_eq!(set.mask("cop29 in Baku"), 0);
        assert_eq!(set.mask("at #COP29: climate"), 0b11);
        assert_eq!(set.mask("##cop29"), 0);
        assert_eq!(set.mask(""), 0);
    }
}
