//! The LLM decisions of a tick as rows of `decisions.parquet` and `decision_items.parquet`
//! (schema: `emergent_io::run_dir::DecisionRows`, `docs/run-directory.md`).

use emergent_io::run_dir::{DecisionItemRows, DecisionRows, EconDecisionRows};
use emergent_sim::econ::EconDecisionRecord;
use emergent_sim::policy::DecisionRecord;

/// The rows of `log`, in its order (each decision's items follow in feed order).
pub(crate) fn rows_of(log: &[DecisionRecord]) -> (DecisionRows, DecisionItemRows) {
    let mut d = DecisionRows::default();
    let mut it = DecisionItemRows::default();
    for r in log {
        let (v, o) = (&r.view, &r.outcome);
        d.tick.push(r.tick);
        d.agent.push(r.agent);
        d.group.push(r.group);
        d.fell_back.push(u32::from(r.fell_back));
        d.stance.push(v.stance);
        d.susceptibility.push(v.susceptibility);
        d.feed_len.push(v.items.len() as u32);
        d.new_stance.push(o.stance);
        d.post.push(u32::from(o.post.is_some()));
        d.post_stance.push(o.post);
        d.reply_rank.push(o.reply.map(|(k, _)| k as u32 + 1));
        d.reply_stance.push(o.reply.map(|(_, s)| s));
        d.repost_rank.push(o.repost.map(|k| k as u32 + 1));
        for (k, i) in v.items.iter().enumerate() {
            it.tick.push(r.tick);
            it.agent.push(r.agent);
            it.rank.push(k as u32 + 1);
            it.item.push(i.item);
            it.author.push(i.author);
            it.stance.push(i.stance);
            it.followed.push(u32::from(i.followed));
            it.likes.push(i.likes);
            it.shares.push(i.shares);
            it.kind.push(i.kind);
            it.liked.push(u32::from(o.likes.contains(&k)));
        }
    }
    (d, it)
}

/// The rows of `econ_decisions.parquet` for `log`, in its order.
pub(crate) fn econ_rows_of(log: &[EconDecisionRecord]) -> EconDecisionRows {
    let mut d = EconDecisionRows::default();
    for r in log {
        let v = &r.view;
        d.tick.push(r.month);
        d.agent.push(r.agent);
        d.group.push(r.group);
        d.fell_back.push(u32::from(r.fell_back));
        d.wage.push(v.wage);
        d.expected_income.push(v.expected_income);
        d.savings.push(v.savings);
        d.price.push(v.price);
        d.price_change.push(v.price_change);
        d.wage_change.push(v.wage_change);
        d.interest_rate.push(v.interest_rate);
        d.unemployment.push(v.unemployment);
        d.transfer.push(v.transfer);
        d.tax_rate.push(v.tax_rate);
        d.last_worked.push(u32::from(v.last_worked));
        d.last_work.push(v.last_work);
        d.last_consumption.push(v.last_consumption);
        d.first_month.push(u32::from(v.first_month));
        d.work.push(r.decision.work);
        d.consumption.push(r.decision.consumption);
    }
    d
}
