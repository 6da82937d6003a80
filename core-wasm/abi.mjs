// The Wasm boundary, defined once: every number that the TypeScript side and the AssemblyScript
// core must agree on without a type system between them. core-wasm/abi-gen.mjs renders it, at
// the start of every build (core-wasm/build.mjs), into
//   core-wasm/src/abi.ts              TypeScript: constants, the enums as `as const` objects, LAYOUT_FIELDS
//   core-wasm/assembly/abi.ts         AssemblyScript: the same constants, typed as the core reads them
//   core-wasm/assembly/abi-layout.ts  the `layout()` publisher, in the order of LAYOUT below, and
//                                     the field names the module reports (`layoutNames()`)
// The generated files are git-ignored: this file is the only one to edit, and both engines
// change with it at the next build. The Wasm backend compares the names the module reports with
// its LAYOUT_FIELDS when it loads a build, so a module built from another definition is refused.
//
// Entries: c(name, value, why[, core type]) for a constant (i32 in the core unless typed);
// bit(name, k, why) for a flag bit 1 << k; reason(…) for a filter reason bit (u32 in the core).
// `core: false` on an enumeration: only TypeScript reads it (the core sees its effect, e.g.
// quota charges as amounts), so nothing is generated for AssemblyScript.

const c = (name, value, why, type = 'i32', text = undefined) => ({ name, value, why, type, text });
const bit = (name, k, why, type = 'i32') => c(name, 2 ** k, why, type, `1 << ${k}`);
const reason = (name, k, why) => bit(name, k, why, 'u32');

/** Plain constants, in groups (a group is a section of both generated files). */
export const GROUPS = [
  {
    title: 'Resource dimensions',
    doc: 'Resource dimensions. 0..3 are fixed; extended resources are interned into FIXED_DIMS..MAX_DIMS-1.',
    entries: [
      c('DIM_CPU', 0, 'millicores'),
      c('DIM_MEMORY', 1, 'bytes'),
      c('DIM_EPHEMERAL', 2, 'bytes of ephemeral-storage'),
      c('DIM_PODS', 3, 'workload slots: every pod and VM takes one ("Too many pods")'),
      c('MAX_DIMS', 16, 'rows of every per-dimension table, and the 16 bits of R_INSUFFICIENT_MASK'),
      c('FIXED_DIMS', 4, 'the first dimension an extended resource is interned into'),
    ],
  },
  {
    title: 'Capacities of the core',
    doc: 'Sizes of fixed tables in the core; the front interns within them.',
    entries: [
      c('MAX_LABEL_COLUMNS', 64, 'label key columns of the host label table ([64][hostCap] value ids)'),
      c('MAX_TAINTS', 128, "taint vocabulary: a host's taints are one 128-bit set (a v128)"),
      c('HOST_TAINT_SLOTS', 16, "taint ids kept per host in the Node's order (the first untolerated one names the message)"),
      c('SCRATCH_TAINTS', 128, "byte offset of setHost's taint ids in `scratch`, after the MAX_DIMS f64 allocatable amounts"),
      c('UNSCHEDULABLE_TAINT_ID', 0, 'the well-known taint a cordoned host is treated as carrying (NodeUnschedulable): always id 0'),
    ],
  },
  {
    title: 'Filter reasons',
    doc: [
      "Filter reasons, one bit each, recorded for every host. The stage order follows kube-scheduler's",
      'default filter plugin order (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit):',
      'messages report only the first failing stage of a host, like kube-scheduler does; the full mask',
      'is kept for --explain.',
    ].join('\n'),
    entries: [
      reason('R_UNSCHEDULABLE', 0, 'NodeUnschedulable: the host is cordoned and the workload does not tolerate it'),
      reason('R_TAINT', 1, 'TaintToleration: an untolerated NoSchedule/NoExecute taint'),
      reason('R_AFFINITY', 2, 'NodeAffinity: nodeSelector or required node affinity not met'),
      c('R_INSUFFICIENT_SHIFT', 4, 'bit (R_INSUFFICIENT_SHIFT + d): not enough of dimension d (d = DIM_PODS: "Too many pods")', 'u32'),
      c('R_INSUFFICIENT_MASK', 0xffff << 4, 'every insufficient-dimension bit (MAX_DIMS of them)', 'u32', '0xffff << 4'),
      reason(
        'R_UNRESOLVABLE_FIT',
        20,
        "some insufficient dimension asks for more than the host's whole allocatable: preemption cannot help",
      ),
      reason('R_SPREAD_LABEL', 21, "PodTopologySpread (after NodeResourcesFit): the host lacks a constraint's topology key (unresolvable)"),
      reason('R_SPREAD', 22, 'PodTopologySpread: placing here would exceed maxSkew'),
      reason('R_POD_AFFINITY', 23, 'InterPodAffinity (last): required affinity not met (unresolvable)'),
      reason('R_POD_ANTI_AFFINITY', 24, "InterPodAffinity: the workload's own required anti-affinity"),
      reason('R_EXISTING_ANTI_AFFINITY', 25, "InterPodAffinity: a placed workload's required anti-affinity rejects this one here"),
      reason(
        'R_FAILOVER',
        26,
        "placer's failover admission (after every filter): placing here would leave a protected namespace without room to restart a failed host's or zone's workloads",
      ),
      reason('R_ABSENT', 30, 'the host slot is empty (a removed host); never counted in messages'),
    ],
  },
  {
    title: 'Score weights',
    doc: "Plugin weights of kube-scheduler's default profile, used to combine scores.",
    entries: [
      c('WEIGHT_FIT', 1, 'NodeResourcesFit (the strategy score)'),
      c('WEIGHT_NODE_AFFINITY', 2, 'NodeAffinity (preferred terms, normalized)'),
      c('WEIGHT_TAINT_TOLERATION', 3, 'TaintToleration (PreferNoSchedule taints, reverse-normalized)'),
      c('WEIGHT_INTER_POD_AFFINITY', 2, 'InterPodAffinity'),
      c('WEIGHT_TOPOLOGY_SPREAD', 2, 'PodTopologySpread'),
      c(
        'MAX_BALANCED_WEIGHT',
        10,
        "NodeResourcesBalancedAllocation's weight at most (the default profile's is 1, configured): the other plugins total at most 1,000, so with it a total stays below the 2,046 a tree key holds (select.ts)",
      ),
      c(
        'HARD_POD_AFFINITY_WEIGHT',
        1,
        "InterPodAffinityArgs.hardPodAffinityWeight default: a placed workload's required affinity scores 1",
      ),
      c('MAX_NODE_SCORE', 100, "kube-scheduler's MaxNodeScore: every plugin score lies in 0..100", 'i64'),
    ],
  },
  {
    title: 'Failure log',
    doc: [
      'Record kinds of the failure log (`failLog`, `logLen` i32 words) that admit, the batch and',
      'recordFailure write and the TypeScript side decodes; i64 values are two words, low first:',
      '  [item, FAIL_QUOTA, quota, k, (entry, used i64) × k]            the first quota with an exceeded entry',
      '  [item, FAIL_RESERVATION, k, (dim, free i64, others i64) × k]    the reservation rule, per broken dimension',
      '  [item, FAIL_FILTER, hosts, k, (bit, taint, count) × k]          the "0/N hosts" histogram (bit 0: taint id)',
      '  [gang, FAIL_GANG, placed, needed, causeItem]                    a gang short of minMember (cause: −1 or an item)',
    ].join('\n'),
    entries: [
      c('FAIL_NONE', 0, 'admitted (admit() returns it; never logged)'),
      c('FAIL_QUOTA', 1, 'a ResourceQuota would be exceeded'),
      c('FAIL_RESERVATION', 2, "other namespaces' unused reservations leave too little"),
      c('FAIL_FILTER', 3, 'no host passes every filter'),
      c('FAIL_GANG', 5, 'the gang fell short of minMember: every member is unplaced'),
    ],
  },
  {
    title: 'Output records',
    doc: 'Records the core leaves in a buffer for the TypeScript side to copy out (i32 words each).',
    entries: [
      c('EVICTION_WORDS', 4, 'an eviction at evictions(): instance (−1: placed before the batch), class, host, the evicting instance'),
      c('COUNTER_WORDS', 3, "a non-zero counter in dumpCounters()'s buffer (after its i32 record count): counter, host slot, count"),
    ],
  },
  {
    title: 'Item flags',
    doc: 'Bits of `itemFlags` (one i32 per batch item).',
    entries: [
      bit('ITEM_PREEMPT_NEVER', 0, 'preemptionPolicy Never: the workload never evicts anything'),
      bit('ITEM_GANG_MEMBER', 1, 'member of a gang: never a preemption victim (it would break the all-or-nothing placement)'),
    ],
  },
  {
    title: 'Spread flags',
    doc: "Bits of a spread constraint's flags word in a topology program (see assembly/topology.ts).",
    entries: [
      bit('SPREAD_HARD', 0, 'whenUnsatisfiable DoNotSchedule (a filter); otherwise ScheduleAnyway (a score)'),
      bit('SPREAD_SELF_MATCH', 1, "the workload matches the constraint's own selector (it counts itself)"),
      bit('SPREAD_HONOR_AFFINITY', 2, "nodeAffinityPolicy Honor: only hosts matching the workload's node affinity count"),
      bit('SPREAD_HONOR_TAINTS', 3, 'nodeTaintsPolicy Honor: tainted hosts the workload does not tolerate do not count'),
      bit('SPREAD_HOSTNAME', 4, 'the topology key is kubernetes.io/hostname (scored per node)'),
    ],
  },
];

/**
 * Enumerations: numeric codes the front writes into the core's tables (or the reference engine
 * reads). TypeScript gets `export const Name = { Member: value } as const` and a type of the
 * values; AssemblyScript gets one i32 constant per member, named `core`.
 */
export const ENUMS = [
  {
    name: 'Strategy',
    doc: 'NodeResourcesFit scoring strategy of a class (`itemStrategy`).',
    members: [
      ['LeastAllocated', 0, 'STRATEGY_LEAST', 'spreads: free share of the host'],
      ['MostAllocated', 1, 'STRATEGY_MOST', 'bin-packs: used share of the host'],
      ['BalancedAllocation', 2, 'STRATEGY_BALANCED', 'evens out the used shares of the dimensions'],
      ['RequestedToCapacityRatio', 3, 'STRATEGY_RTCR', 'a piecewise-linear shape of the used share'],
    ],
  },
  {
    name: 'Kind',
    doc: 'Workload kind (quota counts pods and VMs apart).',
    core: false,
    members: [
      ['Pod', 0, 'KIND_POD', 'a Pod'],
      ['VirtualMachine', 1, 'KIND_VM', 'a vmoperator VirtualMachine'],
    ],
  },
  {
    name: 'Effect',
    doc: 'Taint effect (`taintEffect`) and toleration effect (constraint programs).',
    members: [
      ['Any', 0, 'EFFECT_ANY', "tolerations only: '' matches every effect"],
      ['NoSchedule', 1, 'EFFECT_NO_SCHEDULE', 'a filter'],
      ['PreferNoSchedule', 2, 'EFFECT_PREFER_NO_SCHEDULE', 'a score (TaintToleration)'],
      ['NoExecute', 3, 'EFFECT_NO_EXECUTE', "a filter (evicting running workloads is not the scheduler's job)"],
    ],
  },
  {
    name: 'TolerationOp',
    doc: 'Toleration operator (constraint programs).',
    members: [
      ['Equal', 0, 'TOL_EQUAL', 'key and value must match'],
      ['Exists', 1, 'TOL_EXISTS', 'the key alone matches'],
    ],
  },
  {
    name: 'SelectorOp',
    doc: 'Node selector requirement operator (constraint programs).',
    members: [
      ['In', 0, 'OP_IN', 'the label value is one of the values'],
      ['NotIn', 1, 'OP_NOT_IN', 'the label is absent or its value none of the values'],
      ['Exists', 2, 'OP_EXISTS', 'the label is present'],
      ['DoesNotExist', 3, 'OP_DOES_NOT_EXIST', 'the label is absent'],
      ['Gt', 4, 'OP_GT', 'the value parses as an int64 greater than the operand'],
      ['Lt', 5, 'OP_LT', 'the value parses as an int64 less than the operand'],
    ],
  },
  {
    name: 'QuotaSource',
    doc: 'Where a ResourceQuota hard key takes its usage from.',
    core: false,
    members: [
      ['Requests', 0, 'QUOTA_REQUESTS', "requests.<r> and bare <r> (cpu, memory, ...): the workload's request in `dim`"],
      ['Limits', 1, 'QUOTA_LIMITS', 'limits.<r>'],
      ['PodCount', 2, 'QUOTA_POD_COUNT', 'pods, count/pods: 1 per Pod'],
      ['VMCount', 3, 'QUOTA_VM_COUNT', 'count/virtualmachines.vmoperator.vmware.com: 1 per VirtualMachine'],
    ],
  },
  {
    name: 'OrderPolicy',
    doc: 'The order in which a batch attempts its instances (`configure(…, policy)`).',
    members: [
      [
        'Interleave',
        0,
        'POLICY_INTERLEAVE',
        [
          "The default. Priority first; within a priority, each item's instances are spread evenly over",
          'the batch: instance k of an item with n instances sits at position (k + ½)/n, ties broken by',
          'size (largest first) then input order. Every host then fills with a representative mix of',
          'the batch, which is what reaches the bin-packing lower bound with many workloads per host.',
        ].join('\n'),
      ],
      ['Size', 1, 'POLICY_SIZE', "Priority, then first-fit-decreasing by size, each item's instances contiguous."],
      ['Input', 2, 'POLICY_INPUT', "Priority, then input order, each item's instances contiguous (kube-scheduler's queue order)."],
    ],
  },
];

/**
 * The table `layout()` publishes after every call that may allocate: one i32 per field, in this
 * order. `count` fields are capacities or lengths; `table` fields are byte addresses of tables
 * (core-wasm/README.md's memory map), which move when a table grows.
 */
export const LAYOUT = [
  ['hostCap', 'count', 'host slots every host column holds (a multiple of 4)'],
  ['hostEnd', 'count', 'one past the highest slot ever set: scans cover [0, hostEnd)'],
  ['allocF', 'table', 'f64 [MAX_DIMS][hostCap] allocatable'],
  ['freeF', 'table', 'f64 [MAX_DIMS][hostCap] allocatable − requested'],
  ['nzUsedF', 'table', "f64 [2][hostCap] requested cpu, memory with kube-scheduler's non-zero defaults"],
  ['base', 'table', 'u32 [hostCap] R_ABSENT | R_UNSCHEDULABLE'],
  ['labels', 'table', 'i32 [MAX_LABEL_COLUMNS][hostCap] label value id, 0 = absent'],
  ['reasons', 'table', 'u32 [hostCap] scan output: filter reasons'],
  ['fit', 'table', 'i32 [hostCap] scan output: strategy score 0..100'],
  ['affRaw', 'table', 'i32 [hostCap] scan output: preferred node affinity weight sum'],
  ['taintRaw', 'table', 'i32 [hostCap] scan output: untolerated PreferNoSchedule count'],
  ['total', 'table', 'i32 [hostCap] scan output: combined score, −1 = infeasible'],
  ['clusterFree', 'table', 'i64 [MAX_DIMS] F[d] over schedulable hosts'],
  ['unusedReserved', 'table', 'i64 [MAX_DIMS] Σ_n max(0, R_n − used_n)'],
  ['nsCap', 'count', 'namespace rows of nsUsed / nsReservation'],
  ['nsUsed', 'table', 'i64 [nsCap][MAX_DIMS] usage per namespace'],
  ['nsReservation', 'table', 'i64 [nsCap][MAX_DIMS] reservation per namespace'],
  ['entryCap', 'count', 'quota entries the entry tables hold'],
  ['entryHard', 'table', 'i64 [entryCap] ResourceQuota hard amount'],
  ['entryUsed', 'table', 'i64 [entryCap] usage charged to the entry'],
  ['entryQuota', 'table', 'i32 [entryCap] the quota object the entry belongs to'],
  ['taintKey', 'table', 'i32 [MAX_TAINTS] taint vocabulary: key id'],
  ['taintValue', 'table', 'i32 [MAX_TAINTS] value id'],
  ['taintEffect', 'table', 'i32 [MAX_TAINTS] Effect (0: undefined id)'],
  ['valueCap', 'count', 'label value ids valueNum / valueValid hold'],
  ['valueNum', 'table', 'i64 [valueCap] int64 value of a label value (Gt/Lt)'],
  ['valueValid', 'table', 'u8 [valueCap] 1 when it parses as an int64'],
  ['prog', 'table', 'i32 pool of constraint programs (assembly/constraints.ts)'],
  ['progLen', 'count', 'words of prog in use'],
  ['constraintOff', 'table', 'i32 [constraints] word offset of each program in prog'],
  ['itemCap', 'count', 'batch items the item tables hold'],
  ['itemDims', 'count', 'D: request dimensions carried per item'],
  ['itemReq', 'table', 'f64 [D][itemCap] requests'],
  ['itemNzCpu', 'table', 'f64 [itemCap] cpu request with the non-zero default'],
  ['itemNzMem', 'table', 'f64 [itemCap] memory request with the non-zero default'],
  ['itemNs', 'table', 'i32 [itemCap] namespace'],
  ['itemPrio', 'table', 'i32 [itemCap] priority'],
  ['itemStrategy', 'table', 'i32 [itemCap] Strategy'],
  ['itemConstraint', 'table', 'i32 [itemCap] constraint id'],
  ['itemCount', 'table', 'i32 [itemCap] instances'],
  ['itemChargeOff', 'table', 'i32 [itemCap] first quota charge'],
  ['itemChargeLen', 'table', 'i32 [itemCap] quota charges'],
  ['chargeEntry', 'table', 'i32 [charges] quota entry charged'],
  ['chargeAmount', 'table', 'i64 [charges] amount charged'],
  ['hostOf', 'table', 'i32 [instances] batch output: host slot per instance, −1 unplaced'],
  ['failLog', 'table', 'i32 [logLen] failure records (FAIL_*)'],
  ['logLen', 'count', 'words of failLog written by the last call'],
  ['order', 'table', 'i32 [itemCap] batch items in rank order'],
  ['scratch', 'table', '256-byte staging area: host allocatable and taints, namespace reservations'],
  ['scoringDim', 'table', 'i32 [MAX_DIMS] dimensions the strategy scores'],
  ['scoringWeight', 'table', 'i32 [MAX_DIMS] their weights'],
  ['balancedDim', 'table', 'i32 [MAX_DIMS] dimensions of BalancedAllocation'],
  ['shapeUtil', 'table', 'i32 [MAX_DIMS] RequestedToCapacityRatio shape: utilization'],
  ['shapeScore', 'table', 'i32 [MAX_DIMS] its score ×10'],
  ['itemTopoOff', 'table', 'i32 [itemCap] word offset of the topology program in topoPool, −1: none'],
  ['topoPool', 'table', 'i32 [topoCap] topology programs (assembly/topology.ts) and PDB lists'],
  ['topoCap', 'count', 'words topoPool holds'],
  ['logTable', 'table', 'f64 [hostCap + 4] Math.log(n + 2) as JavaScript computes it'],
  ['ipaRaw', 'table', 'i64 [hostCap] InterPodAffinity raw score'],
  ['spreadRaw', 'table', 'i64 [hostCap] PodTopologySpread raw score'],
  ['itemPdbOff', 'table', 'i32 [itemCap] word offset of [n, PDB ids…] in topoPool, −1: none'],
  ['itemCls', 'table', 'i32 [itemCap] the TypeScript class id'],
  ['itemFlags', 'table', 'i32 [itemCap] ITEM_* bits'],
  ['itemGang', 'table', 'i32 [itemCap] gang id, −1: none'],
  ['gangMin', 'table', 'i32 [gangs] minMember'],
  ['clsItem', 'table', 'i32 [class ids] the item carrying the class in this call, −1'],
].map(([name, kind, why]) => ({ name, kind, why }));
