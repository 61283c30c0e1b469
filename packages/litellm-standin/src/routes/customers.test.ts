import { setup } from '../testHarness';

describe('customers (requirement 10)', () => {
  const t = setup();

  it('/customer/new requires user_id (422)', async () => {
    const res = await t.post('/customer/new', { alias: 'x' });
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({
      type: 'missing',
      loc: ['body', 'user_id'],
    });
  });

  it('/customer/new returns max_budget only inside litellm_budget_table', async () => {
    const res = await t.post('/customer/new', {
      user_id: 'acme',
      alias: 'ACME',
      max_budget: 20,
      budget_duration: '1mo',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      user_id: 'acme',
      alias: 'ACME',
      blocked: false,
      spend: 0,
      allowed_model_region: null,
      default_model: null,
      budget_id: expect.any(String),
      litellm_budget_table: {
        max_budget: 20,
        budget_duration: '1mo',
        budget_reset_at: expect.any(String),
      },
      object_permission_id: null,
      object_permission: null,
    });
    expect(res.body).not.toHaveProperty('max_budget');
  });

  it('/customer/new answers 400 for a duplicate', async () => {
    await t.post('/customer/new', { user_id: 'dup' });
    const res = await t.post('/customer/new', { user_id: 'dup' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      message:
        'Customer already exists, passed user_id=dup. Please pass a new user_id.',
      type: 'bad_request',
      param: 'user_id',
      code: '400',
    });
  });

  it('/customer/info answers 200 or 404', async () => {
    await t.post('/customer/new', { user_id: 'c1' });
    expect((await t.get('/customer/info?end_user_id=c1')).body.user_id).toBe(
      'c1',
    );
    const missing = await t.get('/customer/info?end_user_id=nobody');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe(
      'End User Id=nobody does not exist in db',
    );
  });

  it('/customer/update changes fields and creates a budget row when needed', async () => {
    await t.post('/customer/new', { user_id: 'c2' });
    const res = await t.post('/customer/update', {
      user_id: 'c2',
      alias: 'Two',
      max_budget: 4,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      alias: 'Two',
      litellm_budget_table: { max_budget: 4 },
    });
    await t.post('/customer/update', { user_id: 'c2', max_budget: 0 });
    expect(
      (await t.get('/customer/info?end_user_id=c2')).body.litellm_budget_table
        .max_budget,
    ).toBe(4);
    expect(
      (await t.post('/customer/update', { user_id: 'ghost', alias: 'x' }))
        .status,
    ).toBe(404);
  });

  it('/customer/delete returns a count and message, 404 for any unknown id', async () => {
    await t.post('/customer/new', { user_id: 'd1' });
    await t.post('/customer/new', { user_id: 'd2' });
    const bad = await t.post('/customer/delete', { user_ids: ['d1', 'zzz'] });
    expect(bad.status).toBe(404);
    expect(t.standIn.customers()).toHaveLength(2);
    const res = await t.post('/customer/delete', { user_ids: ['d1', 'd2'] });
    expect(res.body).toEqual({
      deleted_customers: 2,
      message: "Successfully deleted customers with ids: ['d1', 'd2']",
    });
  });

  it('/customer/list returns a bare array; /end_user/* aliases work', async () => {
    await t.post('/end_user/new', { user_id: 'e1' });
    const res = await t.get('/customer/list');
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((c: { user_id: string }) => c.user_id)).toEqual(['e1']);
  });

  it('/customer/list answers 401 to a non-admin', async () => {
    const key = await t.newUser('plain');
    expect((await t.get('/customer/list', key)).status).toBe(401);
  });
});
