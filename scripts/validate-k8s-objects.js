#!/usr/bin/env node
// Validates Kubernetes objects (a multi-document YAML, such as `helm template` prints) against the
// Kubernetes OpenAPI schemas that the kubernetes-models package ships, one model per kind, so a
// manifest the API server would refuse fails here without a cluster:
//   helm template arxflow deploy/helm/arxflow -f values.yaml | node scripts/validate-k8s-objects.js
// Prints `valid <apiVersion> <kind> <name>` or `invalid <apiVersion> <kind> <name>: <what>` per
// object; exit 0 when all are valid, 1 when one is not, 2 when the input cannot be read or names a
// kind it has no schema for (which says nothing about the object, so it is not "valid").
// Plain JavaScript with import(): kubernetes-models is ES modules only.
'use strict';
const fs = require('node:fs');
const { parseAllDocuments } = require('yaml');

// The kinds the charts here render, each loaded alone (a fraction of a second); any other kind
// comes from the package's index of every group, which takes seconds to load.
const MODELS = {
  'v1 ConfigMap': () => import('kubernetes-models/v1/ConfigMap'),
  'v1 Secret': () => import('kubernetes-models/v1/Secret'),
  'v1 Service': () => import('kubernetes-models/v1/Service'),
  'v1 ServiceAccount': () => import('kubernetes-models/v1/ServiceAccount'),
  'apps/v1 Deployment': () => import('kubernetes-models/apps/v1/Deployment'),
  'batch/v1 Job': () => import('kubernetes-models/batch/v1/Job'),
  'policy/v1 PodDisruptionBudget': () => import('kubernetes-models/policy/v1/PodDisruptionBudget'),
};

async function modelOf(apiVersion, kind) {
  const known = MODELS[`${apiVersion} ${kind}`];
  if (known) return (await known())[kind];
  // apiVersion "v1" is the core group (index key v1); "rbac.authorization.k8s.io/v1" is rbacAuthorizationK8sIo.v1.
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const groupKey = group.replace(/[.-]([a-z])/g, (_, letter) => letter.toUpperCase());
  const all = await import('kubernetes-models');
  const models = group ? all[groupKey]?.[version] : all[version];
  return typeof models?.[kind] === 'function' ? models[kind] : undefined;
}

async function main() {
  const text = fs.readFileSync(process.argv[2] ?? 0, 'utf8');
  const documents = parseAllDocuments(text);
  let invalid = 0;
  let unreadable = 0;
  for (const document of documents) {
    if (document.errors.length > 0) {
      console.log(`unreadable: ${document.errors[0].message}`);
      unreadable += 1;
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) continue; // a template that rendered nothing
    const { apiVersion, kind } = object;
    const label = `${apiVersion} ${kind} ${object.metadata?.name ?? '(no metadata.name)'}`;
    const Model = await modelOf(String(apiVersion), String(kind));
    if (!Model) {
      console.log(`unknown ${label}: no schema for this apiVersion and kind`);
      unreadable += 1;
      continue;
    }
    try {
      new Model(object).validate();
      console.log(`valid ${label}`);
    } catch (err) {
      console.log(`invalid ${label}: ${err.message.replace(/\s+/g, ' ')}`);
      invalid += 1;
    }
  }
  process.exit(unreadable > 0 ? 2 : invalid > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(`validate-k8s-objects: ${err.message}`);
  process.exit(2);
});
