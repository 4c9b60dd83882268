//! Reading an OASIS database (already checked by [`crate::schema::check`]) into events: one per
//! row that adds to some agent's features, with its timestep.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use crate::clock::{Clock, Stamp, clock_of};
use crate::error::OasisError;
use crate::features::{Act, Event};
use crate::schema::Present;
use crate::summary::Counts;

/// A database read: users (rows in `user_id` order), their events, the follow graph.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    pub user_ids: Vec<i64>,
    pub events: Vec<Event>,
    /// `src` follows `dst`, rows; sorted, distinct, no self-loops.
    pub edges: Vec<(u32, u32)>,
    pub clock: Clock,
    pub counts: Counts,
}

/// A row of a user-to-user table (`follow`, `mute`): the two user ids and `created_at`.
type UserPair = (Option<i64>, Option<i64>, Value);

/// What the reader keeps between tables.
struct Reader<'a> {
    conn: &'a Connection,
    path: &'a Path,
    row_of_user: HashMap<i64, u32>,
    /// Author row of each post and comment (None: the author is not a user).
    post_author: HashMap<i64, Option<u32>>,
    comment_author: HashMap<i64, Option<u32>>,
    /// Whether `created_at` values are timesteps (else every event's step is None).
    steps: bool,
    events: Vec<Event>,
    counts: Counts,
}

pub(crate) fn read(
    conn: &Connection,
    path: &Path,
    present: &Present,
) -> Result<Records, OasisError> {
    let user_ids = query(
        conn,
        path,
        "user",
        "SELECT user_id FROM \"user\" ORDER BY user_id",
        |r| r.get::<_, Option<i64>>(0),
    )?
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    let clock = trace_clock(conn, path)?;
    let mut rd = Reader {
        conn,
        path,
        row_of_user: user_ids
            .iter()
            .enumerate()
            .map(|(i, &u)| (u, i as u32))
            .collect(),
        post_author: HashMap::new(),
        comment_author: HashMap::new(),
        steps: clock == Clock::Timesteps,
        events: Vec::new(),
        counts: Counts {
            users: user_ids.len() as u64,
            ..Counts::default()
        },
    };
    rd.posts()?;
    rd.comments()?;
    rd.ratings("like", "post", Act::Like)?;
    rd.ratings("dislike", "post", Act::Dislike)?;
    for (table, act) in [
        ("comment_like", Act::Like),
        ("comment_dislike", Act::Dislike),
    ] {
        if present.has(table) {
            rd.ratings(table, "comment", act)?;
        }
    }
    if present.has("report") {
        rd.ratings("report", "post", Act::Report)?;
    }
    if present.has("mute") {
        rd.user_pairs("mute", "muter_id", "mutee_id", Act::Mute)?;
    }
    let edges = rd.follows()?;
    rd.trace()?;
    Ok(Records {
        user_ids,
        events: rd.events,
        edges,
        clock,
        counts: rd.counts,
    })
}

/// Run `sql` on `table`, mapping every row; errors name the file and the table.
fn query<T>(
    conn: &Connection,
    path: &Path,
    table: &str,
    sql: &str,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, OasisError> {
    let err = |e: rusqlite::Error| OasisError::Read {
        path: path.to_path_buf(),
        table: table.to_string(),
        detail: e.to_string(),
    };
    let mut stmt = conn.prepare(sql).map_err(err)?;
    let rows = stmt
        .query_map([], map)
        .map_err(err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    Ok(rows)
}

/// Run `sql` on `table` and hand each row to `visit` as it is read, without holding the
/// table in memory (the trace is most of an OASIS database).
fn each(
    conn: &Connection,
    path: &Path,
    table: &str,
    sql: &str,
    mut visit: impl FnMut(&Row<'_>) -> rusqlite::Result<()>,
) -> Result<(), OasisError> {
    let err = |e: rusqlite::Error| OasisError::Read {
        path: path.to_path_buf(),
        table: table.to_string(),
        detail: e.to_string(),
    };
    let mut stmt = conn.prepare(sql).map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    while let Some(row) = rows.next().map_err(err)? {
        visit(row).map_err(err)?;
    }
    Ok(())
}

/// The clock of the trace's `created_at` values.
fn trace_clock(conn: &Connection, path: &Path) -> Result<Clock, OasisError> {
    let mut stamps = Vec::new();
    each(conn, path, "trace", "SELECT created_at FROM trace", |r| {
        stamps.push(Stamp::of(&r.get::<_, Value>(0)?));
        Ok(())
    })?;
    Ok(clock_of(stamps.into_iter()))
}

impl Reader<'_> {
    fn user(&self, id: Option<i64>) -> Option<u32> {
        id.and_then(|u| self.row_of_user.get(&u).copied())
    }

    fn step(&self, created_at: &Value) -> Option<i64> {
        match self.steps {
            true => Stamp::of(created_at).step(),
            false => None,
        }
    }

    /// Record `act` by `actor` aimed at `target` (None: no target; Some(None): a target that
    /// is not in the database, counted as dangling).
    fn push(
        &mut self,
        step: Option<i64>,
        act: Act,
        actor: Option<u32>,
        target: Option<Option<u32>>,
    ) {
        let Some(actor) = actor else {
            self.counts.dangling += 1;
            return;
        };
        if target == Some(None) {
            self.counts.dangling += 1;
        }
        self.events.push(Event {
            step,
            act,
            actor,
            target: target.flatten(),
        });
    }

    fn posts(&mut self) -> Result<(), OasisError> {
        let rows = query(
            self.conn,
            self.path,
            "post",
            "SELECT post_id, user_id, original_post_id, quote_content IS NOT NULL, created_at \
             FROM post ORDER BY post_id",
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Value>(4)?,
                ))
            },
        )?;
        for (id, user, _, _, _) in &rows {
            self.post_author.insert(*id, self.user(*user));
        }
        for (_, user, original, quoted, created_at) in rows {
            let (act, target) = match original {
                None => (Act::Post, None),
                Some(o) => {
                    let act = if quoted { Act::Quote } else { Act::Repost };
                    (act, Some(self.post_author.get(&o).copied().flatten()))
                }
            };
            match act {
                Act::Post => self.counts.posts += 1,
                Act::Quote => self.counts.quotes += 1,
                _ => self.counts.reposts += 1,
            }
            let step = self.step(&created_at);
            self.push(step, act, self.user(user), target);
        }
        Ok(())
    }

    fn comments(&mut self) -> Result<(), OasisError> {
        let rows = query(
            self.conn,
            self.path,
            "comment",
            "SELECT comment_id, post_id, user_id, created_at FROM comment ORDER BY comment_id",
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Value>(3)?,
                ))
            },
        )?;
        self.counts.comments = rows.len() as u64;
        for (id, post, user, created_at) in rows {
            let author = self.user(user);
            self.comment_author.insert(id, author);
            let target = post
                .and_then(|p| self.post_author.get(&p).copied())
                .flatten();
            let step = self.step(&created_at);
            self.push(step, Act::Comment, author, Some(target));
        }
        Ok(())
    }

    /// A table of `(user_id, <item>_id, created_at)` rows: likes, dislikes, reports of posts
    /// (`item` = "post") or of comments ("comment"), aimed at the item's author.
    fn ratings(&mut self, table: &str, item: &str, act: Act) -> Result<(), OasisError> {
        let rows = query(
            self.conn,
            self.path,
            table,
            &format!("SELECT user_id, {item}_id, created_at FROM \"{table}\" ORDER BY rowid"),
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Value>(2)?,
                ))
            },
        )?;
        let n = rows.len() as u64;
        match table {
            "like" => self.counts.likes = n,
            "dislike" => self.counts.dislikes = n,
            "comment_like" => self.counts.comment_likes = n,
            "comment_dislike" => self.counts.comment_dislikes = n,
            _ => self.counts.reports = n,
        }
        for (user, id, created_at) in rows {
            let authors = match item {
                "comment" => &self.comment_author,
                _ => &self.post_author,
            };
            let target = id.and_then(|i| authors.get(&i).copied()).flatten();
            let step = self.step(&created_at);
            self.push(step, act, self.user(user), Some(target));
        }
        Ok(())
    }

    /// `(a, b, created_at)` rows of a user-to-user table.
    fn pairs(&self, table: &str, a: &str, b: &str) -> Result<Vec<UserPair>, OasisError> {
        query(
            self.conn,
            self.path,
            table,
            &format!("SELECT {a}, {b}, created_at FROM \"{table}\" ORDER BY rowid"),
            |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Value>(2)?)),
        )
    }

    fn user_pairs(&mut self, table: &str, a: &str, b: &str, act: Act) -> Result<(), OasisError> {
        let rows = self.pairs(table, a, b)?;
        self.counts.mutes = rows.len() as u64;
        for (src, dst, created_at) in rows {
            let step = self.step(&created_at);
            self.push(step, act, self.user(src), Some(self.user(dst)));
        }
        Ok(())
    }

    /// The follow graph (distinct pairs of users, no self-follows; a pair followed twice keeps
    /// its earliest step) and one `Follow` event per edge.
    fn follows(&mut self) -> Result<Vec<(u32, u32)>, OasisError> {
        let rows = self.pairs("follow", "follower_id", "followee_id")?;
        self.counts.follow_records = rows.len() as u64;
        let mut first: HashMap<(u32, u32), Option<i64>> = HashMap::new();
        for (src, dst, created_at) in rows {
            let (Some(s), Some(d)) = (self.user(src), self.user(dst)) else {
                self.counts.dangling += 1;
                continue;
            };
            if s == d {
                continue;
            }
            let step = self.step(&created_at);
            first
                .entry((s, d))
                .and_modify(|old| *old = earliest(*old, step))
                .or_insert(step);
        }
        let mut edges: Vec<((u32, u32), Option<i64>)> = first.into_iter().collect();
        edges.sort_unstable();
        self.counts.follow_edges = edges.len() as u64;
        for &((s, d), step) in &edges {
            self.push(step, Act::Follow, Some(s), Some(Some(d)));
        }
        Ok(edges.into_iter().map(|(e, _)| e).collect())
    }

    /// Every trace row but `sign_up` is an action; a `refresh` also exposes its posts.
    fn trace(&mut self) -> Result<(), OasisError> {
        let (conn, path) = (self.conn, self.path);
        let sql = "SELECT user_id, created_at, action, info FROM trace ORDER BY rowid";
        each(conn, path, "trace", sql, |r| {
            self.counts.trace_rows += 1;
            let action = r.get_ref(2)?.as_str_or_null()?;
            if action == Some("sign_up") {
                return Ok(());
            }
            let step = self.step(&r.get::<_, Value>(1)?);
            let actor = self.user(r.get(0)?);
            self.push(step, Act::Action, actor, None);
            if action == Some("refresh") && actor.is_some() {
                self.counts.refreshes += 1;
                match shown_posts(r.get_ref(3)?.as_str_or_null()?) {
                    Some(0) => {}
                    Some(n) => self.push(step, Act::Exposures(n), actor, None),
                    None => self.counts.unreadable_refresh_info += 1,
                }
            }
            Ok(())
        })
    }
}

/// `None` before `Some(step)`: a record without a timestep dates from the start.
fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        _ => None,
    }
}

/// How many posts a `refresh` trace row showed: its info is `{"posts": [...]}`.
fn shown_posts(info: Option<&str>) -> Option<u32> {
    let v: serde_json::Value = serde_json::from_str(info?).ok()?;
    let n = v.get("posts")?.as_array()?.len();
    u32::try_from(n).ok()
}
