//! A stand-in for OASIS's platform in tests: each action writes the rows OASIS's
//! `platform.py` writes (the table row and its `trace` row, `created_at` the timestep as the
//! string `str(time_step)`, or a datetime for the Reddit clock) into a database made by
//! OASIS's own schema SQL, and books what the action should add to each agent's features —
//! an oracle kept apart from the importer's SQL.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, params};

/// OASIS's schema (see the fixture's header for the commit).
pub const SCHEMA: &str = include_str!("../fixtures/oasis_schema.sql");

pub type Features = BTreeMap<&'static str, i64>;

pub struct Platform {
    pub conn: Connection,
    pub step: i64,
    /// Simulated datetimes instead of timesteps (OASIS's Reddit clock).
    pub datetimes: bool,
    pub expected: BTreeMap<i64, Features>,
}

impl Platform {
    pub fn create(path: &Path, datetimes: bool) -> Platform {
        let conn = Connection::open(path).unwrap();
        // Python's sqlite3, which OASIS uses, leaves foreign keys unenforced (rusqlite's
        // bundled SQLite enforces them); OASIS's `like`, `dislike` and `rec` tables reference
        // a table `tweet` that does not exist, so enforcing them would refuse every like.
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        Platform {
            conn,
            step: 0,
            datetimes,
            expected: BTreeMap::new(),
        }
    }

    fn now(&self) -> String {
        match self.datetimes {
            false => self.step.to_string(),
            true => format!("2024-08-06 10:{:02}:00.000000", self.step),
        }
    }

    fn add(&mut self, user: i64, feature: &'static str, n: i64) {
        *self
            .expected
            .get_mut(&user)
            .unwrap()
            .get_mut(feature)
            .unwrap() += n;
    }

    fn trace(&mut self, user: i64, action: &str, info: serde_json::Value) {
        let now = self.now();
        self.conn
            .execute(
                "INSERT INTO trace (user_id, created_at, action, info) VALUES (?, ?, ?, ?)",
                params![user, now, action, info.to_string()],
            )
            .unwrap();
        if action != "sign_up" {
            self.add(user, "actions", 1);
        }
    }

    pub fn next_step(&mut self) {
        self.step += 1;
    }

    pub fn sign_up(&mut self, user: i64) {
        let now = self.now();
        self.conn
            .execute(
                "INSERT INTO user (user_id, agent_id, user_name, name, bio, created_at, \
                 num_followings, num_followers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params![
                    user,
                    user,
                    format!("user{user}"),
                    format!("User {user}"),
                    "a bio",
                    now,
                    0,
                    0
                ],
            )
            .unwrap();
        let zero: Features = emergent_oasis::all_columns()
            .into_iter()
            .map(|c| (c, 0))
            .collect();
        self.expected.insert(user, zero);
        self.trace(
            user,
            "sign_up",
            serde_json::json!({"name": format!("User {user}"), "user_name": format!("user{user}"), "bio": "a bio"}),
        );
    }

    fn author(&self, post: i64) -> i64 {
        self.conn
            .query_row("SELECT user_id FROM post WHERE post_id = ?", [post], |r| {
                r.get(0)
            })
            .unwrap()
    }

    /// The post a repost or quote of `post` points at: OASIS points at the root.
    fn root(&self, post: i64) -> i64 {
        let original: Option<i64> = self
            .conn
            .query_row(
                "SELECT original_post_id FROM post WHERE post_id = ?",
                [post],
                |r| r.get(0),
            )
            .unwrap();
        original.unwrap_or(post)
    }

    pub fn create_post(&mut self, user: i64, content: &str) -> i64 {
        let now = self.now();
        self.conn
            .execute(
                "INSERT INTO post (user_id, content, created_at, num_likes, num_dislikes, \
                 num_shares) VALUES (?, ?, ?, ?, ?, ?)",
                params![user, content, now, 0, 0, 0],
            )
            .unwrap();
        let id = self.conn.last_insert_rowid();
        self.add(user, "posts", 1);
        self.trace(
            user,
            "create_post",
            serde_json::json!({"content": content, "post_id": id}),
        );
        id
    }

    pub fn repost(&mut self, user: i64, post: i64) -> i64 {
        let root = self.root(post);
        let now = self.now();
        self.conn
            .execute(
                "INSERT INTO post (user_id, original_post_id, created_at) VALUES (?, ?, ?)",
                params![user, root, now],
            )
            .unwrap();
        self.conn
            .execute(
                "UPDATE post SET num_shares = num_shares + 1 WHERE post_id = ?",
                [root],
            )
            .unwrap();
        let id = self.conn.last_insert_rowid();
        self.add(user, "reposts", 1);
        let author = self.author(root);
        self.add(author, "reposts_received", 1);
        self.trace(
            user,
            "repost",
            serde_json::json!({"reposted_id": post, "new_post_id": id}),
        );
        id
    }

    pub fn quote(&mut self, user: i64, post: i64, text: &str) -> i64 {
        let root = self.root(post);
        let now = self.now();
        self.conn
            .execute(
                "INSERT INTO post (user_id, original_post_id, content, quote_content, \
                 created_at) VALUES (?, ?, ?, ?, ?)",
                params![user, root, "the original", text, now],
            )
            .unwrap();
        let id = self.conn.last_insert_rowid();
        self.add(user, "quotes", 1);
        let author = self.author(root);
        self.add(author, "quotes_received", 1);
        self.trace(
            user,
            "quote_post",
            serde_json::json!({"quoted_id": post, "new_post_id": id}),
        );
        id
    }

    fn rate(&mut self, table: &str, item: &str, user: i64, id: i64) -> i64 {
        let now = self.now();
        self.conn
            .execute(
                &format!("INSERT INTO '{table}' ({item}_id, user_id, created_at) VALUES (?, ?, ?)"),
                params![id, user, now],
            )
            .unwrap();
        self.conn.last_insert_rowid()
    }

    pub fn like(&mut self, user: i64, post: i64) {
        let post = self.root(post);
        let like_id = self.rate("like", "post", user, post);
        self.add(user, "likes_given", 1);
        let author = self.author(post);
        self.add(author, "likes_received", 1);
        self.trace(
            user,
            "like_post",
            serde_json::json!({"post_id": post, "like_id": like_id}),
        );
    }

    /// OASIS deletes the like row; the trace keeps both actions.
    pub fn unlike(&mut self, user: i64, post: i64) {
        self.conn
            .execute(
                "DELETE FROM 'like' WHERE post_id = ? AND user_id = ?",
                [post, user],
            )
            .unwrap();
        self.add(user, "likes_given", -1);
        let author = self.author(post);
        self.add(author, "likes_received", -1);
        self.trace(user, "unlike_post", serde_json::json!({"post_id": post}));
    }

    pub fn dislike(&mut self, user: i64, post: i64) {
        let id = self.rate("dislike", "post", user, post);
        self.add(user, "dislikes_given", 1);
        let author = self.author(post);
        self.add(author, "dislikes_received", 1);
        self.trace(
            user,
            "dislike_post",
            serde_json::json!({"post_id": post, "dislike_id": id}),
        );
    }

    pub fn report(&mut self, user: i64, post: i64, reason: &str) {
        let now = self.now();
        self.conn
            .execute(
                "INSERT INTO report (post_id, user_id, report_reason, created_at) VALUES (?, ?, ?, ?)",
                params![post, user, reason, now],
            )
            .unwrap();
        let id = self.conn.last_insert_rowid();
        self.add(user, "reports_given", 1);
        let author = self.author(post);
        self.add(author, "reports_received", 1);
        self.trace(
            user,
            "report_post",
            serde_json::json!({"post_id": post, "report_id": id}),
        );
    }

    pub fn comment(&mut self, user: i64, post: i64, content: &str) -> i64 {
        let now = self.now();
        self.conn
            .execute(
                "INSERT INTO comment (post_id, user_id, content, created_at) VALUES (?, ?, ?, ?)",
                params![post, user, content, now],
            )
            .unwrap();
        let id = self.conn.last_insert_rowid();
        self.add(user, "replies", 1);
        let author = self.author(post);
        self.add(author, "replies_received", 1);
        self.trace(
            user,
            "create_comment",
            serde_json::json!({"content": content, "comment_id": id}),
        );
        id
    }

    fn comment_author(&self, comment: i64) -> i64 {
        self.conn
            .query_row(
                "SELECT user_id FROM comment WHERE comment_id = ?",
                [comment],
                |r| r.get(0),
            )
            .unwrap()
    }

    pub fn like_comment(&mut self, user: i64, comment: i64) {
        let id = self.rate("comment_like", "comment", user, comment);
        self.add(user, "likes_given", 1);
        let author = self.comment_author(comment);
        self.add(author, "likes_received", 1);
        self.trace(
            user,
            "like_comment",
            serde_json::json!({"comment_id": comment, "comment_like_id": id}),
        );
    }

    pub fn dislike_comment(&mut self, user: i64, comment: i64) {
        let id = self.rate("comment_dislike", "comment", user, comment);
        self.add(user, "dislikes_given", 1);
        let author = self.comment_author(comment);
        self.add(author, "dislikes_received", 1);
        self.trace(
            user,
            "dislike_comment",
            serde_json::json!({"comment_id": comment, "comment_dislike_id": id}),
        );
    }

    pub fn follow(&mut self, user: i64, followee: i64) {
        let now = self.now();
        self.conn
            .execute(
                "INSERT INTO follow (follower_id, followee_id, created_at) VALUES (?, ?, ?)",
                params![user, followee, now],
            )
            .unwrap();
        let id = self.conn.last_insert_rowid();
        self.add(user, "following", 1);
        self.add(followee, "followers", 1);
        self.trace(user, "follow", serde_json::json!({"follow_id": id}));
    }

    pub fn unfollow(&mut self, user: i64, followee: i64) {
        self.conn
            .execute(
                "DELETE FROM follow WHERE follower_id = ? AND followee_id = ?",
                [user, followee],
            )
            .unwrap();
        self.add(user, "following", -1);
        self.add(followee, "followers", -1);
        self.trace(
            user,
            "unfollow",
            serde_json::json!({"followee_id": followee}),
        );
    }

    pub fn mute(&mut self, user: i64, mutee: i64) {
        let now = self.now();
        self.conn
            .execute(
                "INSERT INTO mute (muter_id, mutee_id, created_at) VALUES (?, ?, ?)",
                params![user, mutee, now],
            )
            .unwrap();
        let id = self.conn.last_insert_rowid();
        self.add(user, "mutes_given", 1);
        self.add(mutee, "mutes_received", 1);
        self.trace(user, "mute", serde_json::json!({"mute_id": id}));
    }

    /// A refresh shows `posts`; the trace's info carries them (with comments, as OASIS does).
    pub fn refresh(&mut self, user: i64, posts: &[i64]) {
        let shown: Vec<serde_json::Value> = posts
            .iter()
            .map(|p| serde_json::json!({"post_id": p, "user_id": self.author(*p), "content": "…", "comments": []}))
            .collect();
        self.add(user, "exposures", posts.len() as i64);
        self.trace(user, "refresh", serde_json::json!({"posts": shown}));
    }

    pub fn do_nothing(&mut self, user: i64) {
        self.trace(user, "do_nothing", serde_json::json!({}));
    }
}
