#!/usr/bin/env python3
"""The bounded-confidence opinion model of emergent (crates/sim/src/policy/bounded_confidence.rs,
scenario benches/compare/bc.toml) in idiomatic Mesa 3: `mesa.Agent` subclasses activated through
the model's AgentSet (`shuffle_do("step")` then `do("advance")`: simultaneous activation, as
emergent decides every agent on the state at the start of the tick and then applies the actions),
placed on a `mesa.space.NetworkGrid` over a networkx follow graph.

Same model as emergent's, step by step:
- Follow graph: Barabási–Albert, each newcomer follows m = 5 earlier accounts (networkx's
  generator; edge newcomer -> older account = "follows"), mean out-degree ~5 like `generator = "ba"`.
- Agents: stance ~ U[-1, 1] (one topic), activity = clip(0.2·exp(0.8·Z), 0, 1), susceptibility ~ U[0, 1].
- Each tick an agent is active with probability `activity`. An active agent builds a chronological
  feed of size 20: recent items (last 3 ticks) of its followees (each author's last 4 items; at most
  64 sampled followees), newest first, 18 of them, plus 2 random recent out-of-network items.
- Decision (policy defaults): move toward the mean stance of feed items within ε = 0.3 at rate
  μ·susceptibility (μ = 0.3); post with p = 0.5 (stance + N(0, 0.05)); reply (0.1) / repost (0.05)
  one close item; quote (0.02) one far item; unfollow (0.1) a followee farther than 1.0; follow
  (0.05) a stranger closer than 0.2; like (0.2) each close item.
- The actions are applied after every agent has decided (posts/replies/quotes/reposts become
  items, likes and reposts are counted, follows/unfollows edit the graph).

Prints one JSON object: setup and step seconds, agent-steps/s, counts.
Usage: mesa_bc.py --agents N --ticks T [--seed S]
"""

import argparse
import json
import math
import resource
import sys
import time

import mesa
import networkx as nx
from mesa.space import NetworkGrid

EPSILON, MU = 0.3, 0.3
POST_PROB, POST_NOISE = 0.5, 0.05
LIKE_PROB, REPLY_PROB, REPOST_PROB, QUOTE_PROB = 0.2, 0.1, 0.05, 0.02
UNFOLLOW_DISTANCE, UNFOLLOW_PROB = 1.0, 0.1
FOLLOW_DISTANCE, FOLLOW_PROB = 0.2, 0.05
FEED_SIZE, OON_SHARE, WINDOW, FOLLOWEE_SAMPLE, RECENT_PER_AUTHOR = 20, 0.1, 3, 64, 4
MAX_ACTIONS = 8


class Opinionated(mesa.Agent):
    def __init__(self, model, stance, activity, susceptibility):
        super().__init__(model)
        self.stance = stance
        self.activity = activity
        self.susceptibility = susceptibility
        self.recent = []  # ids of this agent's last RECENT_PER_AUTHOR items
        self.pending = []
        self.posts = self.likes_received = self.reposts_received = 0

    def feed(self):
        m = self.model
        first = m.first_item_since(m.tick - WINDOW)
        last = len(m.item_author)
        if first >= last:
            return []
        followees = m.grid.get_neighbors(self.pos)
        if len(followees) > FOLLOWEE_SAMPLE:
            followees = {self.random.choice(followees) for _ in range(FOLLOWEE_SAMPLE)}
        candidates = [i for f in followees for i in f.recent if i >= first]
        n_oon = round(FEED_SIZE * OON_SHARE)
        quota = FEED_SIZE - n_oon
        candidates.sort(reverse=True)  # chronological: newest first (item ids grow with time)
        feed = candidates[:quota]
        target = len(feed) + n_oon
        for _ in range(2 * n_oon):
            if len(feed) >= target:
                break
            i = self.random.randrange(first, last)
            if m.item_author[i] is not self and i not in feed:
                feed.append(i)
        return feed

    def step(self):
        self.pending = []
        if self.random.random() >= self.activity:
            return
        m = self.model
        rng = self.random
        x = self.stance
        total, close_n, far_n = 0.0, 0, 0
        close_pick = far_pick = unf = fol = None
        unf_n = fol_n = 0
        following = m.grid.G.succ[self.pos]
        feed = self.feed()
        for i in feed:
            y = m.item_stance[i]
            dist = abs(y - x)
            author = m.item_author[i]
            if dist < EPSILON:
                total += y
                close_n += 1
                if rng.randrange(close_n) == 0:
                    close_pick = i
            else:
                far_n += 1
                if rng.randrange(far_n) == 0:
                    far_pick = i
            if author is self:
                continue
            follows = author.pos in following
            if follows and dist > UNFOLLOW_DISTANCE:
                unf_n += 1
                if rng.randrange(unf_n) == 0:
                    unf = author
            elif not follows and dist < FOLLOW_DISTANCE:
                fol_n += 1
                if rng.randrange(fol_n) == 0:
                    fol = author
        act = self.pending
        if close_n:
            act.append(("stance", x + MU * self.susceptibility * (total / close_n - x)))
        if rng.random() < POST_PROB:
            act.append(("post", min(1.0, max(-1.0, x + POST_NOISE * rng.gauss(0.0, 1.0)))))
        if close_pick is not None:
            if rng.random() < REPLY_PROB:
                act.append(("reply", close_pick, x))
            if rng.random() < REPOST_PROB:
                act.append(("repost", close_pick))
        if far_pick is not None and rng.random() < QUOTE_PROB:
            act.append(("quote", far_pick, x))
        if unf is not None and rng.random() < UNFOLLOW_PROB:
            act.append(("unfollow", unf))
        if fol is not None and rng.random() < FOLLOW_PROB:
            act.append(("follow", fol))
        for i in feed:
            if len(act) >= MAX_ACTIONS:
                break
            if m.item_author[i] is not self and abs(m.item_stance[i] - x) < EPSILON and rng.random() < LIKE_PROB:
                act.append(("like", i))

    def advance(self):
        m = self.model
        for a in self.pending:
            kind = a[0]
            if kind == "stance":
                self.stance = a[1]
            elif kind == "post":
                m.new_item(self, a[1])
                self.posts += 1
            elif kind in ("reply", "quote"):
                m.new_item(self, a[2])
            elif kind == "repost":  # a repost is an item too (emergent counts it in `items`)
                m.item_author[a[1]].reposts_received += 1
                m.new_item(self, m.item_stance[a[1]])
            elif kind == "like":
                m.item_likes[a[1]] += 1
                m.item_author[a[1]].likes_received += 1
            elif kind == "unfollow":
                if m.grid.G.has_edge(self.pos, a[1].pos):
                    m.grid.G.remove_edge(self.pos, a[1].pos)
            elif kind == "follow":
                m.grid.G.add_edge(self.pos, a[1].pos)
        m.actions += len(self.pending)


class BoundedConfidenceModel(mesa.Model):
    def __init__(self, n, m_edges=5, seed=1):
        super().__init__(seed=seed)
        und = nx.barabasi_albert_graph(n, m_edges, seed=seed)
        g = nx.DiGraph()
        g.add_nodes_from(range(n))
        g.add_edges_from((max(u, v), min(u, v)) for u, v in und.edges())  # newcomer follows older
        self.grid = NetworkGrid(g)
        self.tick = 0
        self.actions = 0
        self.item_author, self.item_stance, self.item_tick, self.item_likes = [], [], [], []
        self.tick_first_item = []  # id of the first item created in each tick
        rng = self.random
        for node in range(n):
            activity = min(1.0, max(0.0, 0.2 * math.exp(0.8 * rng.gauss(0.0, 1.0))))
            agent = Opinionated(self, rng.uniform(-1.0, 1.0), activity, rng.random())
            self.grid.place_agent(agent, node)

    def first_item_since(self, tick):
        tick = max(tick, 0)
        return self.tick_first_item[tick] if tick < len(self.tick_first_item) else len(self.item_author)

    def new_item(self, author, stance):
        i = len(self.item_author)
        self.item_author.append(author)
        self.item_stance.append(stance)
        self.item_tick.append(self.tick)
        self.item_likes.append(0)
        author.recent.append(i)
        if len(author.recent) > RECENT_PER_AUTHOR:
            del author.recent[0]

    def step(self):
        self.tick_first_item.append(len(self.item_author))
        self.agents.shuffle_do("step")
        self.agents.do("advance")
        self.tick += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--ticks", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    model = BoundedConfidenceModel(args.agents, seed=args.seed)
    t1 = time.perf_counter()
    for _ in range(args.ticks):
        model.step()
    t2 = time.perf_counter()
    steps = args.agents * args.ticks
    stances = [a.stance for a in model.agents]
    mean = sum(stances) / len(stances)
    out = {
        "agents": args.agents,
        "ticks": args.ticks,
        "agent_steps": steps,
        "setup_seconds": t1 - t0,
        "step_seconds": t2 - t1,
        "model_seconds": t2 - t0,
        "agent_steps_per_second_steps_only": steps / (t2 - t1),
        "agent_steps_per_second_with_setup": steps / (t2 - t0),
        "items": len(model.item_author),
        "actions": model.actions,
        "edges": model.grid.G.number_of_edges(),
        "polarization_var_stance": sum((s - mean) ** 2 for s in stances) / len(stances),
        "maxrss_mib_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "mesa": mesa.__version__,
        "networkx": nx.__version__,
        "python": sys.version.split()[0],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
